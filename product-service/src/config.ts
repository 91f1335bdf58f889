import { port } from '@shop/shared';
import { z } from 'zod';

/** product-service's own settings; the shared keys (MONGODB_URI, JWT_SECRET, ...) come from @shop/shared. */
export const configShape = {
  PORT: port(3002),
  MONGODB_DB: z.string().min(1).default('products'),
};

import { port } from '@shop/shared';
import { z } from 'zod';

export const configShape = {
  PORT: port(3003),
  MONGODB_DB: z.string().min(1).default('orders'),
  USER_SERVICE_URL: z.url().default('http://127.0.0.1:3001'),
  PRODUCT_SERVICE_URL: z.url().default('http://127.0.0.1:3002'),
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(3000),
};

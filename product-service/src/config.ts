import { port, tokenConfigShape } from '@shop/shared/core';
import { registrationConfigShape } from '@shop/shared/discovery';
import { z } from 'zod';

/** product-service's own settings; the shared keys (MONGODB_URI, JWT_SECRET, ...) come from @shop/shared. */
export const configShape = {
  PORT: port(3002),
  ...tokenConfigShape,
  ...registrationConfigShape,
  MONGODB_DB: z.string().min(1).default('products'),
  /** A reservation unchanged this long in pending or releasing is rolled back by the sweep. */
  RESERVATION_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
};

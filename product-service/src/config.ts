import { port, redisConfigShape, tokenConfigShape } from '@shop/shared/core';
import { registrationConfigShape } from '@shop/shared/discovery';
import { z } from 'zod';

/** product-service's own settings; the shared keys (MONGODB_URI, JWT_SECRET, ...) come from @shop/shared. */
export const configShape = {
  PORT: port(3002),
  ...tokenConfigShape,
  ...registrationConfigShape,
  /** Where the order events are read (soldCount); unset: they are not, and soldCount stays as it is. */
  ...redisConfigShape,
  MONGODB_DB: z.string().min(1).default('products'),
  /** A reservation unchanged this long in pending or releasing is rolled back by the sweep. */
  RESERVATION_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  /** Deliveries of an order event (the first included) that fail before it is parked in the dead-letter stream. */
  CONSUMER_MAX_DELIVERIES: z.coerce.number().int().min(1).max(100).default(5),
  /** An order event left unacknowledged this long (a failure, a consumer that died) is retried. */
  CONSUMER_CLAIM_IDLE_MS: z.coerce.number().int().min(100).default(30_000),
};

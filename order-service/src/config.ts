import { port, redisConfigShape, tokenConfigShape } from '@shop/shared/core';
import { registrationConfigShape } from '@shop/shared/discovery';
import { z } from 'zod';

const milliseconds = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const configShape = {
  PORT: port(3003),
  ...tokenConfigShape,
  ...registrationConfigShape,
  /** Where order events are published; unset: they wait in the outbox (docs/events.md). */
  ...redisConfigShape,
  MONGODB_DB: z.string().min(1).default('orders'),
  USER_SERVICE_URL: z.url().default('http://127.0.0.1:3001'),
  PRODUCT_SERVICE_URL: z.url().default('http://127.0.0.1:3002'),
  /** Bound on each attempt of a call to another service. */
  UPSTREAM_TIMEOUT_MS: milliseconds(50, 60_000, 3000),
  /** Bound on a whole call to another service, retries and waits included. */
  UPSTREAM_DEADLINE_MS: milliseconds(50, 120_000, 5000),
  /** Extra attempts for idempotent calls (network errors, 429, 502, 503, 504). */
  UPSTREAM_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /** Consecutive failed attempts that open a target's circuit breaker. */
  BREAKER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  /** How long an open circuit waits before one trial call. */
  BREAKER_HALF_OPEN_AFTER_MS: milliseconds(100, 600_000, 5000),
  /** How long a confirmed user id may vouch for the user while user-service is unavailable. */
  USER_CACHE_TTL_MS: milliseconds(0, 86_400_000, 300_000),
  /** Most user ids kept for that fallback (0 turns it off). */
  USER_CACHE_MAX: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  /** A pending order this old is rolled back by the sweep (its reservation released, the order expired). */
  PENDING_ORDER_TIMEOUT_MS: milliseconds(1000, 86_400_000, 30_000),
  SWEEP_INTERVAL_MS: milliseconds(100, 3_600_000, 10_000),
  /** How often the outbox relay looks for unpublished events when nothing nudged it. */
  OUTBOX_RELAY_INTERVAL_MS: milliseconds(10, 60_000, 200),
  /** Approximate cap on the order events stream (`XADD MAXLEN ~`): retention against Redis memory. */
  ORDER_EVENTS_MAX_LEN: z.coerce.number().int().min(1000).max(100_000_000).default(100_000),
};

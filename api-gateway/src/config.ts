import { availableParallelism } from 'node:os';
import { port, redisConfigShape, tokenConfigShape } from '@shop/shared/core';
import { discoveryConfigShape } from '@shop/shared/discovery';
import { z } from 'zod';

const milliseconds = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const count = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** `false`, `true`, a hop count, or a comma list of trusted proxy addresses/subnets (Express `trust proxy`). */
const trustProxy = z
  .string()
  .default('false')
  .transform((value): boolean | number | string[] => {
    if (value === 'false') return false;
    if (value === 'true') return true;
    if (/^\d+$/.test(value)) return Number(value);
    return value.split(',').map((part) => part.trim());
  });

const gatewayWorkers = z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]).default(1);

/**
 * Gateway processes sharing the port; `auto` is one per core. Read by the supervising primary
 * before the workers start (a bad value is reported by the workers, which parse everything).
 */
export function workerCount(env: NodeJS.ProcessEnv = process.env): number {
  const parsed = gatewayWorkers.safeParse(env.GATEWAY_WORKERS);
  if (!parsed.success) return 1;
  return parsed.data === 'auto' ? availableParallelism() : parsed.data;
}

export const configShape = {
  GATEWAY_WORKERS: gatewayWorkers,
  PORT: port(3000),
  ...tokenConfigShape,
  ...discoveryConfigShape,
  USER_SERVICE_URL: z.url().default('http://127.0.0.1:3001'),
  PRODUCT_SERVICE_URL: z.url().default('http://127.0.0.1:3002'),
  ORDER_SERVICE_URL: z.url().default('http://127.0.0.1:3003'),
  UPSTREAM_TIMEOUT_MS: milliseconds(10_000),
  UPSTREAM_CONNECT_TIMEOUT_MS: milliseconds(1000),
  /** How long an anonymous catalogue read is served from the micro-cache (capped by the upstream's max-age); 0 turns it off. */
  GATEWAY_MICRO_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  TRUST_PROXY: trustProxy,
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== ''),
    ),
  RATE_LIMIT_WINDOW_MS: milliseconds(60_000),
  RATE_LIMIT_MAX: count(300),
  PASSWORD_RATE_LIMIT_WINDOW_MS: milliseconds(60_000),
  PASSWORD_RATE_LIMIT_MAX: count(20),
  LOGIN_RATE_LIMIT_WINDOW_MS: milliseconds(15 * 60_000),
  LOGIN_RATE_LIMIT_MAX: count(10),
  ORDER_RATE_LIMIT_WINDOW_MS: milliseconds(60_000),
  ORDER_RATE_LIMIT_MAX: count(30),
  ...redisConfigShape,
  /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** When set, /metrics is served only on this port (an internal one), never on the public PORT. */
  METRICS_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  /** Open connections per worker, in all and from one client address; 0 turns a cap off. */
  MAX_CONNECTIONS: z.coerce.number().int().min(0).default(2048),
  MAX_CONNECTIONS_PER_CLIENT: z.coerce.number().int().min(0).default(128),
  /** The live order feed (`GET /api/orders/live`), per worker: open sockets in all and per user. */
  LIVE_MAX_CONNECTIONS: count(1000),
  LIVE_MAX_CONNECTIONS_PER_USER: count(5),
  /** Each socket is pinged this often and cut if it has not answered the previous ping. */
  LIVE_PING_INTERVAL_MS: milliseconds(30_000),
  /** A socket with more than this unsent when a message is due is closed (1013), not buffered further. */
  LIVE_MAX_BUFFERED_BYTES: count(256 * 1024),
};

import { availableParallelism } from 'node:os';
import { port } from '@shop/shared';
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

/** Gateway processes sharing the port; `auto` is one per core. Read before the workers start. */
export function workerCount(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.GATEWAY_WORKERS ?? '1';
  if (value === 'auto') return availableParallelism();
  const count = Number(value);
  return Number.isInteger(count) && count >= 1 && count <= 64 ? count : 1;
}

export const configShape = {
  GATEWAY_WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]).default(1),
  PORT: port(3000),
  USER_SERVICE_URL: z.url().default('http://127.0.0.1:3001'),
  PRODUCT_SERVICE_URL: z.url().default('http://127.0.0.1:3002'),
  ORDER_SERVICE_URL: z.url().default('http://127.0.0.1:3003'),
  UPSTREAM_TIMEOUT_MS: milliseconds(10_000),
  TRUST_PROXY: trustProxy,
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '')),
  RATE_LIMIT_WINDOW_MS: milliseconds(60_000),
  RATE_LIMIT_MAX: count(300),
  LOGIN_RATE_LIMIT_WINDOW_MS: milliseconds(15 * 60_000),
  LOGIN_RATE_LIMIT_MAX: count(10),
  ORDER_RATE_LIMIT_WINDOW_MS: milliseconds(60_000),
  ORDER_RATE_LIMIT_MAX: count(30),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>` (the gateway's port is public). */
  METRICS_TOKEN: z.string().min(16).optional(),
};

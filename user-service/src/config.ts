import { ConfigError, port, tokenConfigShape } from '@shop/shared/core';
import { registrationConfigShape } from '@shop/shared/discovery';
import { z } from 'zod';

/**
 * user-service's own environment variables; the shared ones (MONGODB_URI, JWT_SECRET, ...)
 * come from `baseConfigShape` in @shop/shared. Parsed once, in main.ts.
 */
export const configShape = {
  PORT: port(3001),
  ...tokenConfigShape,
  ...registrationConfigShape,
  MONGODB_DB: z.string().min(1).default('users'),
  // The first admin account, created at start-up when both are set and no user has that email.
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(8).max(128).optional(),
  // Sessions: a refresh token family lasts this long from login (rotation does not extend it).
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .max(86_400 * 90)
    .default(86_400 * 30),
  // A login beyond this many live sessions revokes the oldest, so storage per user stays bounded.
  MAX_SESSIONS_PER_USER: z.coerce.number().int().min(1).max(100).default(10),
  // Per-account failed-login limit, whatever the source address.
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(20),
  LOGIN_FAILURE_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(86_400_000)
    .default(15 * 60_000),
  // Capped at an hour: a lock is also what an attacker can inflict on the real owner.
  LOGIN_LOCKOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(60 * 60_000)
    .default(15 * 60_000),
};

export interface AdminSeed {
  email: string;
  password: string;
}

/** Both admin variables or neither: one alone is a mistake worth stopping for. */
export function adminSeedFrom(config: {
  ADMIN_EMAIL?: string | undefined;
  ADMIN_PASSWORD?: string | undefined;
}): AdminSeed | undefined {
  const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = config;
  if (email === undefined && password === undefined) return undefined;
  if (email === undefined || password === undefined) {
    throw new ConfigError(['ADMIN_EMAIL, ADMIN_PASSWORD: must be set together, or neither']);
  }
  return { email, password };
}

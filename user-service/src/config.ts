import { ConfigError, port } from '@shop/shared';
import { z } from 'zod';

/**
 * user-service's own environment variables; the shared ones (MONGODB_URI, JWT_SECRET, ...)
 * come from `baseConfigShape` in @shop/shared. Parsed once, in main.ts.
 */
export const configShape = {
  PORT: port(3001),
  MONGODB_DB: z.string().min(1).default('users'),
  // The first admin account, created at start-up when both are set and no user has that email.
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(8).max(128).optional(),
};

export interface AdminSeed {
  email: string;
  password: string;
}

/** Both admin variables or neither: one alone is a mistake worth stopping for. */
export function adminSeedFrom(config: { ADMIN_EMAIL?: string | undefined; ADMIN_PASSWORD?: string | undefined }): AdminSeed | undefined {
  const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = config;
  if (email === undefined && password === undefined) return undefined;
  if (email === undefined || password === undefined) {
    throw new ConfigError(['ADMIN_EMAIL, ADMIN_PASSWORD: must be set together, or neither']);
  }
  return { email, password };
}

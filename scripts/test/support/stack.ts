import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { startStack, type RunningStack, type StackOptions } from '../../src/stack';

export const E2E_ADMIN = { email: 'admin@e2e.test', password: 'admin-password-123' };

/**
 * The registry, the three services and the gateway as real processes on free ports, with
 * databases of their own; `scale` and `env` as for `startStack` (`env` adds to the defaults here).
 */
export async function startTestStack(
  options: Pick<StackOptions, 'scale' | 'env' | 'serviceEnv'> = {},
): Promise<RunningStack> {
  return startStack({
    mongoUri: inject('mongoUri'),
    jwtSecret: randomBytes(32).toString('hex'),
    dbPrefix: `e2e-${randomBytes(3).toString('hex')}-`,
    scale: options.scale,
    // Every test request comes from 127.0.0.1, so the per-IP and per-user limits are opened up here;
    // the gateway's own tests check the limits.
    env: {
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      RATE_LIMIT_MAX: '100000',
      LOGIN_RATE_LIMIT_MAX: '100000',
      PASSWORD_RATE_LIMIT_MAX: '100000',
      ORDER_RATE_LIMIT_MAX: '100000',
      // These tests read their own writes anonymously; the micro-cache would serve such a read up
      // to a second late. Its own tests (api-gateway/test, e2e.catalogue-cache.test.ts) turn it on.
      GATEWAY_MICRO_CACHE_MS: '0',
      ...options.env,
    },
    serviceEnv: {
      ...options.serviceEnv,
      'user-service': { ADMIN_EMAIL: E2E_ADMIN.email, ADMIN_PASSWORD: E2E_ADMIN.password },
    },
  });
}

export { startService, stopService, type RunningService } from '../../src/stack';
export { freePort } from '../../src/database/process-utils';

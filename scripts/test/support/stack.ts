import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { freePort } from '../../src/database/process-utils';
import { startStack, type RunningStack } from '../../src/stack';

export const E2E_ADMIN = { email: 'admin@e2e.test', password: 'admin-password-123' };

/** The three services and the gateway as real processes on free ports, with databases of their own. */
export async function startTestStack(): Promise<RunningStack> {
  return startStack({
    mongoUri: inject('mongoUri'),
    jwtSecret: randomBytes(32).toString('hex'),
    dbPrefix: `e2e-${randomBytes(3).toString('hex')}-`,
    ports: {
      'user-service': await freePort(),
      'product-service': await freePort(),
      'order-service': await freePort(),
      'api-gateway': await freePort(),
    },
    // Every test request comes from 127.0.0.1, so the per-IP and per-user limits are opened up here;
    // the gateway's own tests check the limits.
    env: {
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      RATE_LIMIT_MAX: '100000',
      LOGIN_RATE_LIMIT_MAX: '100000',
      PASSWORD_RATE_LIMIT_MAX: '100000',
      ORDER_RATE_LIMIT_MAX: '100000',
    },
    serviceEnv: { 'user-service': { ADMIN_EMAIL: E2E_ADMIN.email, ADMIN_PASSWORD: E2E_ADMIN.password } },
  });
}

export { startService, stopService, type RunningService } from '../../src/stack';
export { freePort } from '../../src/database/process-utils';

import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { freePort } from '../../src/database/process-utils';
import { startStack, type RunningStack } from '../../src/stack';

export const E2E_ADMIN = { email: 'admin@e2e.test', password: 'admin-password-123' };

/** The three services as real processes on free ports, with databases of their own. */
export async function startTestStack(): Promise<RunningStack> {
  return startStack({
    mongoUri: inject('mongoUri'),
    jwtSecret: randomBytes(32).toString('hex'),
    dbPrefix: `e2e-${randomBytes(3).toString('hex')}-`,
    ports: { 'user-service': await freePort(), 'product-service': await freePort(), 'order-service': await freePort() },
    env: { LOG_LEVEL: 'warn', NODE_ENV: 'test' },
    serviceEnv: { 'user-service': { ADMIN_EMAIL: E2E_ADMIN.email, ADMIN_PASSWORD: E2E_ADMIN.password } },
  });
}

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startStack, stopService, type RunningStack } from '../src/stack';

let stack: RunningStack;
beforeAll(async () => {
  stack = await startStack({
    mongoUri: inject('mongoUri'),
    jwtSecret: randomBytes(32).toString('hex'),
    dbPrefix: `drain-${randomBytes(3).toString('hex')}-`,
    env: { LOG_LEVEL: 'warn', NODE_ENV: 'test', SHUTDOWN_DRAIN_DELAY_MS: '1500' },
  });
});
afterAll(async () => {
  await Promise.all(Object.values(stack.services).map((service) => stopService(service)));
});

describe('readiness while draining', () => {
  // The gateway first: its readiness also reports its upstreams, which the later cases stop.
  it.each(['api-gateway', 'user-service', 'product-service', 'order-service', 'service-registry'] as const)(
    '%s, on SIGTERM, answers /health/ready 503 at once on new connections, then exits 0',
    async (name) => {
      const service = stack.services[name];
      expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => service.child.once('exit', (code) => resolve(code)));
      const signalledAt = Date.now();
      service.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 200));

      const ready = await fetch(`${service.url}/health/ready`, { headers: { connection: 'close' } });
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'draining' });
      expect((await fetch(`${service.url}/health`)).status).toBe(200);

      expect(await exited).toBe(0);
      expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(1500);
    },
  );
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@shop/shared/core';
import { startRegistration, type RegisteredInstance } from '@shop/shared/discovery';

const logger = createLogger('registration-test', 'silent');
const TOKEN = 'test-registry-token';

interface Call {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown> | undefined;
}

/** A stand-in registry that records every call; `forget()` makes it answer the next heartbeat 404. */
interface FakeRegistry {
  url: string;
  calls: Call[];
  forget(): void;
  close(): Promise<void>;
}

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function startFakeRegistry(port = 0): Promise<FakeRegistry> {
  const calls: Call[] = [];
  let known = new Set<string>();
  let next = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = raw === '' ? undefined : (JSON.parse(raw) as Record<string, unknown>);
      calls.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, body });
      const send = (status: number, answer?: unknown) =>
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(answer === undefined ? '' : JSON.stringify(answer));
      if (req.method === 'POST' && req.url === '/register') {
        const id = `id-${++next}`;
        known.add(id);
        send(201, { id, ttlSeconds: 30 });
      } else if (req.method === 'POST' && req.url?.startsWith('/heartbeat/')) {
        const id = req.url.slice('/heartbeat/'.length);
        if (known.has(id)) send(200, { id, ttlSeconds: 30 });
        else send(404, { code: 'REGISTRY.INSTANCE_NOT_FOUND' });
      } else if (req.method === 'DELETE') {
        send(204);
      } else send(404);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const registry: FakeRegistry = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    forget: () => (known = new Set()),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  cleanups.push(() => registry.close().catch(() => undefined));
  return registry;
}

function register(registryUrl: string, isReady: () => Promise<boolean>): RegisteredInstance {
  const instance = startRegistration({
    registryUrl,
    token: TOKEN,
    name: 'product-service',
    url: 'http://127.0.0.1:4002',
    healthPath: '/health/ready',
    version: '1.2.3',
    heartbeatMs: 200,
    readinessPollMs: 50,
    isReady,
    logger,
  });
  cleanups.push(() => instance.deregister());
  return instance;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('registering an instance', () => {
  it('registers with its readiness and the token, then heartbeats on schedule', async () => {
    const registry = await startFakeRegistry();
    register(registry.url, async () => true);
    await until(() => registry.calls.filter((call) => call.path.startsWith('/heartbeat/')).length >= 2);
    const [registration] = registry.calls;
    expect(registration).toMatchObject({
      method: 'POST',
      path: '/register',
      authorization: `Bearer ${TOKEN}`,
      body: { name: 'product-service', url: 'http://127.0.0.1:4002', version: '1.2.3', status: 'ready' },
    });
    expect(registry.calls[1]).toMatchObject({ path: '/heartbeat/id-1', body: { status: 'ready' } });
  });

  it('reports a change of readiness at once, not at the next scheduled heartbeat', async () => {
    const registry = await startFakeRegistry();
    let ready = true;
    const instance = startRegistration({
      registryUrl: registry.url,
      token: TOKEN,
      name: 'product-service',
      url: 'http://127.0.0.1:4002',
      healthPath: '/health/ready',
      version: '1.2.3',
      heartbeatMs: 60_000,
      readinessPollMs: 50,
      isReady: async () => ready,
      logger,
    });
    cleanups.push(() => instance.deregister());
    await until(() => instance.id() !== undefined);
    ready = false;
    await until(() => registry.calls.some((call) => call.body?.status === 'not-ready'), 1000);
  });

  it('registers again when the registry has forgotten it (a restarted registry answers 404)', async () => {
    const registry = await startFakeRegistry();
    const instance = register(registry.url, async () => true);
    await until(() => instance.id() === 'id-1');
    registry.forget();
    await until(() => instance.id() === 'id-2');
    expect(registry.calls.filter((call) => call.path === '/register')).toHaveLength(2);
  });

  it('keeps trying in the background while the registry is down, and registers once it is up', async () => {
    const placeholder = await startFakeRegistry();
    const port = Number(new URL(placeholder.url).port);
    await placeholder.close();
    const instance = register(`http://127.0.0.1:${port}`, async () => true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(instance.id()).toBeUndefined();
    const registry = await startFakeRegistry(port);
    await until(() => instance.id() !== undefined, 10_000);
    expect(registry.calls[0]?.path).toBe('/register');
  });

  it('deregisters with the token, and heartbeats no more afterwards', async () => {
    const registry = await startFakeRegistry();
    const instance = register(registry.url, async () => true);
    await until(() => instance.id() !== undefined);
    await instance.deregister();
    const count = registry.calls.length;
    expect(registry.calls.at(-1)).toMatchObject({
      method: 'DELETE',
      path: '/instances/id-1',
      authorization: `Bearer ${TOKEN}`,
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(registry.calls).toHaveLength(count);
  });
});

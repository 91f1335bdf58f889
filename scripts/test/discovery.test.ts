import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { E2E_ADMIN, http, startTestStack, stopService, unique } from '@shop/test-support';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { waitForBalancedStock, type DrillProduct } from '../src/drills/invariants';
import { requestsServed } from '../src/metrics-text';
import type { RunningService, RunningStack, StackOptions } from '../src/stack';

/**
 * Discovery with real processes: a registry, two product-service instances, and every caller
 * following the registry. Short timings, so an instance that dies leaves discovery in seconds.
 */
const TIMING = {
  REGISTRY_TTL_SECONDS: '3',
  REGISTRY_GRACE_SECONDS: '5',
  REGISTRY_HEARTBEAT_MS: '500',
  DISCOVERY_REFRESH_MS: '250',
};
const HEARTBEAT_MS = Number(TIMING.REGISTRY_HEARTBEAT_MS);
const TTL_MS = Number(TIMING.REGISTRY_TTL_SECONDS) * 1000;

const stacks: RunningStack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((stack) => stack.stop()));
});

async function startDiscoveryStack(serviceEnv: StackOptions['serviceEnv'] = {}): Promise<RunningStack> {
  const stack = await startTestStack({ scale: { 'product-service': 2 }, env: TIMING, serviceEnv });
  stacks.push(stack);
  return stack;
}

interface ListedInstance {
  url: string;
  status: string;
}

async function listed(stack: RunningStack, name: string): Promise<ListedInstance[]> {
  const res = await fetch(`${stack.url('service-registry')}/services/${name}`);
  if (res.status === 404) return [];
  return ((await res.json()) as { instances: ListedInstance[] }).instances;
}

async function readyUrls(stack: RunningStack, name: string): Promise<string[]> {
  return (await listed(stack, name)).filter((i) => i.status === 'ready').map((i) => i.url);
}

/** Waits until `condition` holds; how long that took. */
async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const startedAt = Date.now();
  while (!(await condition())) {
    if (Date.now() - startedAt > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
  return Date.now() - startedAt;
}

/** Requests an instance served with this method and route template, read from its own metrics. */
async function served(instance: RunningService, method: string, route: string): Promise<number> {
  return requestsServed(await (await fetch(`${instance.url}/metrics`)).text(), method, route);
}

const productListsServed = (instance: RunningService) => served(instance, 'GET', '/products');

/** `count` GETs of the catalogue through the gateway, `concurrency` at a time; the statuses. */
async function readCatalogue(stack: RunningStack, count: number, concurrency = 4): Promise<number[]> {
  const statuses: number[] = [];
  let sent = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < count) {
        sent++;
        const res = await fetch(`${stack.url('api-gateway')}/api/products?limit=1`).catch(() => undefined);
        statuses.push(res?.status ?? 0);
        await res?.body?.cancel();
      }
    }),
  );
  return statuses;
}

/** GETs of the catalogue through the gateway until stopped, `concurrency` at a time. */
function streamCatalogue(stack: RunningStack, concurrency = 4) {
  const statuses: number[] = [];
  let running = true;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      const res = await fetch(`${stack.url('api-gateway')}/api/products?limit=1`).catch(() => undefined);
      statuses.push(res?.status ?? 0);
      await res?.body?.cancel();
    }
  });
  return {
    statuses,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return statuses;
    },
  };
}

const failures = (statuses: number[]) => statuses.filter((status) => status !== 200);

describe('discovery through the registry, with real processes', () => {
  let stack: RunningStack;

  it('every instance registers; two product-service instances share the gateway’s reads fairly', async () => {
    stack = await startDiscoveryStack();
    const [first, second] = stack.instances['product-service'];
    await until(async () => (await readyUrls(stack, 'product-service')).length === 2, 5000, 'both ready');
    for (const name of ['user-service', 'order-service'])
      expect(await readyUrls(stack, name)).toEqual([stack.url(name as 'user-service')]);
    // The gateway refreshes its list every 250 ms.
    await sleep(2 * Number(TIMING.DISCOVERY_REFRESH_MS));

    const before = [await productListsServed(first!), await productListsServed(second!)];
    expect(failures(await readCatalogue(stack, 200))).toEqual([]);
    const served = [(await productListsServed(first!)) - before[0]!, (await productListsServed(second!)) - before[1]!];
    console.log(`fair share: 200 reads through the gateway, served ${served.join(' + ')}`);
    expect(served[0]! + served[1]!).toBe(200);
    expect(Math.min(...served)).toBeGreaterThanOrEqual(80);
  });

  it('SIGTERM one instance during a stream of stock changes (not safe to repeat): none fails, none is applied twice', async () => {
    const api = `${stack.url('api-gateway')}/api`;
    const admin = (await http(`${api}/auth/login`, { json: E2E_ADMIN })).body.token as string;
    const created = await http(`${api}/products`, {
      token: admin,
      json: { name: unique('Lamp'), price: 5, category: unique('cat'), stock: 0 },
    });
    const leaving = await stack.addInstance('product-service');
    await until(async () => (await readyUrls(stack, 'product-service')).includes(leaving.url), 5000, 'third ready');
    await sleep(2 * Number(TIMING.DISCOVERY_REFRESH_MS));

    const statuses: number[] = [];
    let running = true;
    const changes = Array.from({ length: 3 }, async () => {
      while (running) {
        const res = await fetch(`${api}/products/${created.body.id as string}/stock`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
          body: JSON.stringify({ quantity: 1 }),
        }).catch(() => undefined);
        statuses.push(res?.status ?? 0);
        await res?.body?.cancel();
      }
    });
    await sleep(500);
    await stopService(leaving);
    await sleep(500);
    running = false;
    await Promise.all(changes);

    const stock = (await http(`${api}/products/${created.body.id as string}`)).body.stock as number;
    console.log(`graceful stop: ${statuses.length} stock changes, ${failures(statuses).length} failed, stock ${stock}`);
    expect(failures(statuses)).toEqual([]);
    expect(stock).toBe(statuses.length);
  });

  it('SIGKILL one instance during a stream of reads: no read fails, and it leaves discovery within the TTL', async () => {
    const victim = stack.instances['product-service'][1]!;
    const stream = streamCatalogue(stack);
    await sleep(1000);
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    const leftAfterMs = await until(
      async () => !(await readyUrls(stack, 'product-service')).includes(victim.url),
      TTL_MS + 2000,
      'the dead instance leaves discovery',
    );
    await sleep(1000);
    const statuses = await stream.stop();
    console.log(
      `kill test: ${statuses.length} reads, ${failures(statuses).length} failed; the dead instance left discovery ${leftAfterMs} ms after the kill (TTL ${TTL_MS} ms)`,
    );
    expect(failures(statuses)).toEqual([]);
    expect(Date.now() - killedAt).toBeGreaterThan(0);
    expect(leftAfterMs).toBeLessThanOrEqual(TTL_MS + 1000);
  });

  it('a restarted registry knows every live instance again within one heartbeat period', async () => {
    await stack.restart('service-registry');
    const live = [stack.services['user-service'], stack.services['product-service'], stack.services['order-service']];
    const knownAfterMs = await until(
      async () => {
        const all = await Promise.all(live.map(async (s) => (await readyUrls(stack, s.name)).includes(s.url)));
        return all.every(Boolean);
      },
      HEARTBEAT_MS + 1500,
      'every live instance registered again',
    );
    console.log(`registry restart: every live instance known again ${knownAfterMs} ms after it was ready`);
    // One heartbeat period, plus the time this test takes to ask.
    expect(knownAfterMs).toBeLessThanOrEqual(HEARTBEAT_MS + 300);
  });

  it('with the registry stopped, reads continue on the cached instances and a new instance still starts', async () => {
    await stopService(stack.services['service-registry']);
    const statuses = await readCatalogue(stack, 100);
    expect(failures(statuses)).toEqual([]);
    const started = await stack.addInstance('product-service');
    const ready = await fetch(`${started.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(failures(await readCatalogue(stack, 50))).toEqual([]);
  });
});

/** A TCP relay to the database that can be cut, making the database unreachable for one instance. */
async function startDatabaseRelay(mongoUri: string): Promise<{ uri: string; cut(): Promise<void> }> {
  const target = new URL(mongoUri);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    uri: `mongodb://127.0.0.1:${port}`,
    cut: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

describe('an instance that cannot reach its database', () => {
  it('turns not-ready in the registry and gets no traffic', async () => {
    const relay = await startDatabaseRelay(inject('mongoUri'));
    const stack = await startDiscoveryStack();
    // A third instance, whose database connection goes through the relay.
    const cutOff = await stack.addInstance('product-service', { MONGODB_URI: relay.uri });
    await until(
      async () => (await readyUrls(stack, 'product-service')).includes(cutOff.url),
      5000,
      'relayed instance ready',
    );

    await relay.cut();
    const notReadyAfterMs = await until(
      async () =>
        (await listed(stack, 'product-service')).some((i) => i.url === cutOff.url && i.status === 'not-ready'),
      10_000,
      'the cut-off instance reports not-ready',
    );
    await sleep(2 * Number(TIMING.DISCOVERY_REFRESH_MS));
    const before = await productListsServed(cutOff);
    expect(failures(await readCatalogue(stack, 60))).toEqual([]);
    console.log(`database cut: not-ready in the registry after ${notReadyAfterMs} ms`);
    expect(await productListsServed(cutOff)).toBe(before);
  });
});

describe('orders while one of two product-service instances is killed', () => {
  it('nothing is oversold and, once the sweeps ran, nothing is left held', async () => {
    const sweeps = { SWEEP_INTERVAL_MS: '500' };
    const stack = await startDiscoveryStack({
      'order-service': {
        UPSTREAM_TIMEOUT_MS: '500',
        UPSTREAM_DEADLINE_MS: '2000',
        PENDING_ORDER_TIMEOUT_MS: '2000',
        ...sweeps,
      },
      'product-service': { RESERVATION_TIMEOUT_MS: '2000', ...sweeps },
    });
    const api = `${stack.url('api-gateway')}/api`;
    const login = await http(`${api}/auth/login`, { json: E2E_ADMIN });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    const admin = login.body.token as string;
    const products: DrillProduct[] = [];
    for (const stock of [200, 200]) {
      const created = await http(`${api}/products`, {
        token: admin,
        json: { name: unique('Kettle'), description: 'discovery', price: 9.5, category: unique('cat'), stock },
      });
      expect(created.status).toBe(201);
      products.push({ id: created.body.id as string, initialStock: stock });
    }
    const shopper = await http(`${api}/auth/register`, {
      json: { name: 'Shopper', email: `${unique('buyer')}@example.com`, password: 'correct horse battery' },
    });
    const token = shopper.body.token as string;

    const answers: number[] = [];
    let killedAt = 0;
    let placedAfterKill = 0;
    let running = true;
    const buyers = Array.from({ length: 3 }, async (_, buyer) => {
      for (let n = 0; running; n++) {
        const product = products[(buyer + n) % products.length]!;
        const res = await fetch(`${api}/orders`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
            'idempotency-key': randomUUID(),
          },
          body: JSON.stringify({ items: [{ productId: product.id, quantity: 1 }] }),
        }).catch(() => undefined);
        answers.push(res?.status ?? 0);
        if (res?.status === 201 && killedAt > 0) placedAfterKill++;
        await res?.body?.cancel();
        await sleep(20);
      }
    });
    await sleep(800);
    const victim = stack.instances['product-service'][1]!;
    // The victim was taking its share of the reservations when it died.
    expect(await served(victim, 'POST', '/reservations')).toBeGreaterThan(0);
    victim.child.kill('SIGKILL');
    killedAt = Date.now();
    await sleep(2500);
    running = false;
    await Promise.all(buyers);

    const sources = {
      productServiceUrl: stack.url('product-service'),
      orderServiceUrl: stack.url('order-service'),
      adminToken: admin,
    };
    const report = await waitForBalancedStock(sources, products, 15_000);
    const placed = answers.filter((status) => status === 201).length;
    console.log(
      `orders during a kill: ${answers.length} attempts, ${placed} placed (${placedAfterKill} after the kill), answers ${JSON.stringify(countBy(answers))}; oversold ${report.oversold}, leaked ${report.leaked} (settled after ${report.settledMs} ms)`,
    );
    expect(placedAfterKill).toBeGreaterThan(0);
    expect(report.oversold).toBe(0);
    expect(report.leaked).toBe(0);
  });
});

function countBy(values: number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import type { Endpoint } from '@shop/shared/discovery';
import { bearer } from '@shop/test-support';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { startUpstream, useGateways, type FakeUpstream } from './harness';
import { expectProblem, freePort } from './support';

const gateway = useGateways();

/** Instances in turn, as discovery hands them out; records which ones the gateway reported failed. */
function instances(urls: string[]): Endpoint & { failed: string[] } {
  let next = 0;
  const failed: string[] = [];
  return {
    failed,
    pick: (tried) => {
      const candidates = urls.filter((url) => tried?.has(url) !== true);
      if (candidates.length === 0) return undefined;
      return candidates[next++ % candidates.length];
    },
    markFailed: (url) => failed.push(url),
  };
}

/** An instance that takes requests and drops the connection without answering (it died mid-request). */
async function droppingInstance(name: FakeUpstream['name']): Promise<FakeUpstream> {
  const upstream = await startUpstream(name);
  upstream.handle = (req) => req.socket.destroy();
  return upstream;
}

const frozen: { child: ChildProcess; sockets: Socket[] }[] = [];
afterAll(() => {
  for (const { child, sockets } of frozen) {
    child.kill('SIGKILL');
    for (const socket of sockets) socket.destroy();
  }
});

/**
 * An instance whose process is frozen (SIGSTOP) with a full accept queue: a new connection to it
 * neither succeeds nor fails, as with a hung host or one gone from the network.
 */
async function frozenInstance(): Promise<string> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:net').createServer().listen({ port: ${port}, host: '127.0.0.1', backlog: 1 }, () => console.log('up'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((resolve) => child.stdout?.once('data', resolve));
  child.kill('SIGSTOP');
  const sockets: Socket[] = [];
  frozen.push({ child, sockets });
  // Fill the kernel's accept queue; connections after these hang.
  for (let i = 0; i < 2; i++) {
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', resolve);
      socket.on('error', () => resolve());
      sockets.push(socket);
    });
  }
  return `http://127.0.0.1:${port}`;
}

const recorded = (upstream: FakeUpstream, path: string) => upstream.requests.filter((r) => r.url === path).length;

describe('an upstream with several instances', () => {
  it('spreads requests across the instances in turn', async () => {
    const [a, b] = await Promise.all([startUpstream('product-service'), startUpstream('product-service')]);
    const gw = await gateway({ upstreams: { 'product-service': instances([a!.url, b!.url]) } });
    for (let i = 0; i < 10; i++) expect((await request(gw.url).get('/api/products')).status).toBe(200);
    expect(recorded(a!, '/products')).toBe(5);
    expect(recorded(b!, '/products')).toBe(5);
    await Promise.all([a!.close(), b!.close()]);
  });

  it('an instance that refuses connections costs no request, not even one that is not idempotent', async () => {
    const live = await startUpstream('user-service');
    const dead = instances([`http://127.0.0.1:${await freePort()}`, live.url]);
    const gw = await gateway({ upstreams: { 'user-service': dead } });
    for (let i = 0; i < 4; i++) {
      expect((await request(gw.url).get('/api/users/me').set(bearer('user'))).status).toBe(200);
      expect((await request(gw.url).post('/api/auth/login').send({ email: 'a@b.c', password: 'x' })).status).toBe(200);
    }
    expect(recorded(live, '/auth/login')).toBe(4);
    expect(dead.failed.length).toBeGreaterThan(0);
    await live.close();
  });

  it('a request the instance may have started on is sent again elsewhere only when it is safe to repeat', async () => {
    const [dropping, live] = await Promise.all([droppingInstance('order-service'), startUpstream('order-service')]);
    const order = { items: [{ productId: 'a'.repeat(24), quantity: 1 }] };
    const upstreams = () => ({ 'order-service': instances([dropping.url, live.url]) });

    const reads = await gateway({ upstreams: upstreams() });
    expect((await request(reads.url).get('/api/orders').set(bearer('user'))).status).toBe(200);

    const unkeyed = await gateway({ upstreams: upstreams() });
    const refused = await request(unkeyed.url).post('/api/orders').set(bearer('user')).send(order);
    expectProblem(refused, 503, 'UPSTREAM.UNAVAILABLE');
    expect(recorded(live, '/orders')).toBe(1);

    const keyed = await gateway({ upstreams: upstreams() });
    const placed = await request(keyed.url)
      .post('/api/orders')
      .set(bearer('user'))
      .set('Idempotency-Key', 'order-key-1')
      .send(order);
    expect(placed.status).toBe(200);
    expect(live.requests.at(-1)?.headers['idempotency-key']).toBe('order-key-1');
    await Promise.all([dropping.close(), live.close()]);
  });

  it('a key on an operation whose upstream ignores it does not make a repeat safe: a stock change is not sent twice', async () => {
    const [dropping, live] = await Promise.all([droppingInstance('product-service'), startUpstream('product-service')]);
    const gw = await gateway({ upstreams: { 'product-service': instances([dropping.url, live.url]) } });
    const res = await request(gw.url)
      .patch(`/api/products/${'a'.repeat(24)}/stock`)
      .set(bearer('admin'))
      .set('Idempotency-Key', 'stock-key-1')
      .send({ quantity: 5 });
    expectProblem(res, 503, 'UPSTREAM.UNAVAILABLE');
    expect(live.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
    await Promise.all([dropping.close(), live.close()]);
  });

  it('an instance that does not accept connections is given up on after the connect timeout, and another serves', async () => {
    const live = await startUpstream('product-service');
    const hung = instances([await frozenInstance(), live.url]);
    const gw = await gateway({ upstreamConnectTimeoutMs: 300, upstreams: { 'product-service': hung } });
    const startedAt = Date.now();
    const res = await request(gw.url).get('/api/products');
    expect(res.status).toBe(200);
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(hung.failed).toHaveLength(1);
    await live.close();
  });

  it('an address the gateway cannot use (another protocol, https refused) is skipped, and the gateway keeps serving', async () => {
    const live = await startUpstream('product-service');
    const odd = instances([`ftp://127.0.0.1:${await freePort()}`, `https://127.0.0.1:${await freePort()}`, live.url]);
    const gw = await gateway({ upstreams: { 'product-service': odd } });
    for (let i = 0; i < 6; i++) expect((await request(gw.url).get('/api/products')).status).toBe(200);
    expect(new Set(odd.failed).size).toBe(2);
    await live.close();
  });

  it('an instance that accepts but does not answer in time gets the client a 504 once, then rests', async () => {
    const [silent, live] = await Promise.all([startUpstream('product-service'), startUpstream('product-service')]);
    silent.handle = () => undefined;
    const pool = instances([silent.url, live.url]);
    const gw = await gateway({ upstreamTimeoutMs: 300, upstreams: { 'product-service': pool } });
    expectProblem(await request(gw.url).get('/api/products'), 504, 'UPSTREAM.TIMEOUT');
    expect(pool.failed).toEqual([silent.url]);
    await Promise.all([silent.close(), live.close()]);
  });
});

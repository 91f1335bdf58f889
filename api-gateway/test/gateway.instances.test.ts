import type { Endpoint } from '@shop/shared/discovery';
import { bearer } from '@shop/test-support';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
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
});

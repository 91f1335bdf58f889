import { Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import { bearer, describeWithRedis, newId, sampleSum, startRedisServer, type LocalRedis } from '@shop/test-support';
import request from 'supertest';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { LimitSettings } from '../src/rate-limits';
import { createLogger } from '@shop/shared/core';
import { connectRedis } from '@shop/shared/events';
import { redisRateLimitStores, type RedisClient } from '../src/redis-store';
import { useGateways, type TestGateway } from './harness';
import { expectProblem, rawRequest } from './support';

const generous: LimitSettings = { windowMs: 60_000, limit: 10_000 };
const tight = (limit: number): LimitSettings => ({ windowMs: 60_000, limit });
const rejections = async (gw: TestGateway, reason: string) =>
  sampleSum((await request(gw.url).get('/metrics')).text, 'gateway_rejections_total', { reason });
const randomIp = () => `10.${randomBytes(3).join('.')}`;

/** Every test starts its own gateway (its own limits); all are closed after the file. */
const gateway = useGateways();

describe('global limit per client IP', () => {
  it('the request after the limit gets 429 RATE_LIMIT.EXCEEDED with Retry-After; allowed answers carry draft-8 RateLimit headers', async () => {
    const gw = await gateway({ limits: { global: tight(3), login: generous, orders: generous } });
    for (let i = 0; i < 3; i++) {
      const ok = await request(gw.url).get('/api/products');
      expect(ok.status).toBe(200);
      expect(ok.headers.ratelimit).toMatch(new RegExp(`^"global"; r=${2 - i}; t=\\d+$`));
      expect(ok.headers['ratelimit-policy']).toMatch(/^"global"; q=3; w=60; pk=:[\w-]+:$/);
    }
    const before = gw.upstreams['product-service'].requests.length;
    const limited = await request(gw.url).get('/api/products');
    expectProblem(limited, 429, 'RATE_LIMIT.EXCEEDED');
    expect(limited.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(gw.upstreams['product-service'].requests.length).toBe(before);
    expect(await rejections(gw, 'rate_limit_global')).toBe(1);
  });

  it('a refused client must reconnect: on a kept-alive connection the 429 closes it, while allowed answers keep it open', async () => {
    const gw = await gateway({ limits: { global: tight(1) } });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const allowed = await rawRequest(gw.url, { path: '/api/products', agent });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.connection).toBe('keep-alive');
      const refused = await rawRequest(gw.url, { path: '/api/products', agent });
      expect(refused.status).toBe(429);
      expect(refused.headers.connection).toBe('close');
    } finally {
      agent.destroy();
    }
  });

  it('health and metrics endpoints are not counted or limited', async () => {
    const gw = await gateway({ limits: { global: tight(1), login: generous, orders: generous } });
    for (let i = 0; i < 3; i++) {
      expect((await request(gw.url).get('/health')).status).toBe(200);
      expect((await request(gw.url).get('/metrics')).status).toBe(200);
    }
    expect((await request(gw.url).get('/api/products')).status).toBe(200);
    expectProblem(await request(gw.url).get('/api/products'), 429, 'RATE_LIMIT.EXCEEDED');
  });
});

describe('login limit per client IP and email', () => {
  it('the third login for one email (in any case) gets 429 while another email from the same IP passes, and bodies reach user-service byte for byte', async () => {
    const gw = await gateway({ limits: { global: generous, login: tight(2), orders: generous } });
    const bodies = [
      '{"email":"alice@example.com","password":"first-guess"}',
      '{ "password" : "second-guess",\n "email": "  ALICE@Example.COM " }',
    ];
    for (const body of bodies) {
      const before = gw.upstreams['user-service'].requests.length;
      const ok = await request(gw.url).post('/api/auth/login').set('content-type', 'application/json').send(body);
      expect(ok.status).toBe(200);
      expect(ok.headers.ratelimit).toContain('"login"');
      const received = gw.upstreams['user-service'].requests.slice(before);
      expect(received).toHaveLength(1);
      expect(received[0]?.body.equals(Buffer.from(body))).toBe(true);
      expect(received[0]?.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    }

    const before = gw.upstreams['user-service'].requests.length;
    const limited = await request(gw.url)
      .post('/api/auth/login')
      .send({ email: 'Alice@example.com', password: 'third-guess' });
    expectProblem(limited, 429, 'RATE_LIMIT.EXCEEDED');
    expect(limited.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(gw.upstreams['user-service'].requests.length).toBe(before);

    const other = await request(gw.url)
      .post('/api/auth/login')
      .send({ email: 'bob@example.com', password: 'whatever' });
    expect(other.status).toBe(200);
    expect(await rejections(gw, 'rate_limit_login')).toBe(1);
  });

  it('logins and registrations from one address share a password-hash limit, whatever the email: the next gets 429, another address passes', async () => {
    const gw = await gateway({ trustProxy: 1, limits: { password: tight(3) } });
    const from = (ip: string) => ({ 'X-Forwarded-For': ip });
    for (let i = 0; i < 2; i++) {
      const res = await request(gw.url)
        .post('/api/auth/login')
        .set(from('203.0.113.20'))
        .send({ email: `guess-${i}@example.com`, password: 'x' });
      expect(res.status).toBe(200);
    }
    const register = await request(gw.url)
      .post('/api/auth/register')
      .set(from('203.0.113.20'))
      .send({ email: 'new@example.com', name: 'N', password: 'long-enough' });
    expect(register.status).toBe(200);
    const before = gw.upstreams['user-service'].requests.length;
    expectProblem(
      await request(gw.url)
        .post('/api/auth/login')
        .set(from('203.0.113.20'))
        .send({ email: 'another@example.com', password: 'x' }),
      429,
      'RATE_LIMIT.EXCEEDED',
    );
    expect(gw.upstreams['user-service'].requests.length).toBe(before);
    expect(
      (
        await request(gw.url)
          .post('/api/auth/login')
          .set(from('203.0.113.21'))
          .send({ email: 'another@example.com', password: 'x' })
      ).status,
    ).toBe(200);
    expect(await rejections(gw, 'rate_limit_password')).toBe(1);
  });

  it('the login limit does not apply to registration', async () => {
    const gw = await gateway({ limits: { global: generous, login: tight(1), orders: generous } });
    for (let i = 0; i < 3; i++) {
      expect(
        (
          await request(gw.url)
            .post('/api/auth/register')
            .send({ email: 'carol@example.com', name: 'C', password: 'long-enough' })
        ).status,
      ).toBe(200);
    }
  });
});

describe('which client address is counted', () => {
  it('behind one trusted proxy (trustProxy: 1) the address the proxy appended counts, whatever the client forged before it', async () => {
    const gw = await gateway({ trustProxy: 1, limits: { global: tight(3), login: generous, orders: generous } });
    const via = (ip: string) => request(gw.url).get('/api/products').set('X-Forwarded-For', `${randomIp()}, ${ip}`);
    for (let i = 0; i < 3; i++) expect((await via('203.0.113.7')).status).toBe(200);
    expectProblem(await via('203.0.113.7'), 429, 'RATE_LIMIT.EXCEEDED');
    expectProblem(await via('203.0.113.7'), 429, 'RATE_LIMIT.EXCEEDED');
    for (let i = 0; i < 3; i++) expect((await via('203.0.113.8')).status).toBe(200);
    expectProblem(await via('203.0.113.8'), 429, 'RATE_LIMIT.EXCEEDED');
  });

  it('IPv6 clients are counted per /56, so rotating addresses inside one allocation does not escape the limit', async () => {
    const gw = await gateway({ trustProxy: 1, limits: { global: tight(2), login: generous, orders: generous } });
    const via = (ip: string) => request(gw.url).get('/api/products').set('X-Forwarded-For', ip);
    expect((await via('2001:db8:0:1::1')).status).toBe(200);
    expect((await via('2001:db8:0:2::abcd')).status).toBe(200);
    expectProblem(await via('2001:db8:0:ff::7'), 429, 'RATE_LIMIT.EXCEEDED');
    expect((await via('2001:db8:1:1::1')).status).toBe(200); // another /56
    // an IPv4-mapped address is the IPv4 client it maps, not one /56 shared by every IPv4 client
    expect((await via('::ffff:198.51.100.1')).status).toBe(200);
    expect((await via('::ffff:198.51.100.2')).status).toBe(200);
    expect((await via('198.51.100.1')).status).toBe(200);
    expectProblem(await via('::ffff:198.51.100.1'), 429, 'RATE_LIMIT.EXCEEDED');
  });

  it('without a trusted proxy (trustProxy: false) a client-sent X-Forwarded-For is ignored: rotating it does not escape the limit', async () => {
    const gw = await gateway({ trustProxy: false, limits: { global: tight(3), login: generous, orders: generous } });
    for (let i = 0; i < 3; i++)
      expect((await request(gw.url).get('/api/products').set('X-Forwarded-For', randomIp())).status).toBe(200);
    expectProblem(
      await request(gw.url).get('/api/products').set('X-Forwarded-For', randomIp()),
      429,
      'RATE_LIMIT.EXCEEDED',
    );
    expectProblem(
      await request(gw.url).get('/api/products').set('X-Forwarded-For', `${randomIp()}, ${randomIp()}`),
      429,
      'RATE_LIMIT.EXCEEDED',
    );
  });
});

describe('order-creation limit per user', () => {
  it('the third POST /api/orders by one user gets 429, another user still passes, and reads are not limited by it', async () => {
    const gw = await gateway({ limits: { global: generous, login: generous, orders: tight(2) } });
    const alice = bearer('user', newId());
    const bob = bearer('user', newId());
    for (let i = 0; i < 2; i++)
      expect((await request(gw.url).post('/api/orders').set(alice).send({ items: [] })).status).toBe(200);
    const before = gw.upstreams['order-service'].requests.length;
    const limited = await request(gw.url).post('/api/orders').set(alice).send({ items: [] });
    expectProblem(limited, 429, 'RATE_LIMIT.EXCEEDED');
    expect(limited.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(gw.upstreams['order-service'].requests.length).toBe(before);

    expect((await request(gw.url).post('/api/orders').set(bob).send({ items: [] })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await request(gw.url).get('/api/orders').set(alice)).status).toBe(200);
    expect(await rejections(gw, 'rate_limit_orders')).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Shared counts across replicas, through a real redis-server.

/** The client main.ts uses; reconnect errors are expected once the server is killed. */
const redisClient = (url: string) => connectRedis(url, () => undefined);
/** What the stores log, as JSON lines (every replica of a test shares it). */
const storeLog: string[] = [];
const storeLogger = createLogger('api-gateway', 'info', { write: (line: string) => void storeLog.push(line) });
const redisStores = (client: RedisClient, unique: string) => redisRateLimitStores(client, storeLogger, `rl:${unique}`);

describeWithRedis('rate limits shared through Redis', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function replicas(redis: LocalRedis, settings: LimitSettings) {
    const unique = randomBytes(6).toString('hex');
    const clients = [await redisClient(redis.url), await redisClient(redis.url)];
    cleanups.push(async () => clients.forEach((client) => client.destroy()));
    const [a, b] = await Promise.all(
      clients.map((client) =>
        gateway({
          limits: { global: settings, login: generous, orders: generous },
          createRateLimitStore: redisStores(client, unique),
        }),
      ),
    );
    return [a!, b!] as const;
  }

  it('two gateway replicas count together: with limit 4, two requests to each pass and the fifth, to either, gets 429', async () => {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const [a, b] = await replicas(redis, tight(4));
    expect((await request(a.url).get('/api/products')).status).toBe(200);
    expect((await request(b.url).get('/api/products')).status).toBe(200);
    expect((await request(a.url).get('/api/products')).status).toBe(200);
    const fourth = await request(b.url).get('/api/products');
    expect(fourth.status).toBe(200);
    expect(fourth.headers.ratelimit).toMatch(/^"global"; r=0; t=\d+$/);
    expectProblem(await request(a.url).get('/api/products'), 429, 'RATE_LIMIT.EXCEEDED');
    expectProblem(await request(b.url).get('/api/products'), 429, 'RATE_LIMIT.EXCEEDED');
  });

  it('when Redis dies the limiter fails open: requests pass and none hangs', async () => {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const [a, b] = await replicas(redis, tight(2));
    expect((await request(a.url).get('/api/products')).status).toBe(200);
    expect((await request(b.url).get('/api/products')).status).toBe(200);
    expectProblem(await request(a.url).get('/api/products'), 429, 'RATE_LIMIT.EXCEEDED');
    const consoleErrors = vi.spyOn(console, 'error');
    storeLog.length = 0;

    await redis.stop();
    for (let i = 0; i < 6; i++) {
      const gw = i % 2 === 0 ? a : b;
      const started = Date.now();
      const res = await request(gw.url).get('/api/products').timeout(2000);
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
    }
    // The outage is said once per replica in the structured log, not as a stack trace per request.
    expect(consoleErrors).not.toHaveBeenCalled();
    consoleErrors.mockRestore();
    expect(storeLog.filter((line) => line.includes('rate-limit store unavailable'))).toHaveLength(2);
  });

  it('when Redis stops answering without closing the connection, requests still pass within a second: the limiter does not wait on it', async () => {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const [a] = await replicas(redis, tight(100));
    expect((await request(a.url).get('/api/products')).status).toBe(200);
    const admin = await redisClient(redis.url);
    cleanups.push(async () => admin.destroy());

    await admin.sendCommand(['CLIENT', 'PAUSE', '4000', 'ALL']); // frozen: connections stay open, nothing is answered
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const res = await request(a.url).get('/api/products').timeout(3000);
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);
    }
  });

  it('when Redis comes back the replicas count together again (scripts are reloaded)', async () => {
    const first = await startRedisServer();
    cleanups.push(() => first.stop());
    const [a, b] = await replicas(first, tight(2));
    expect((await request(a.url).get('/api/products')).status).toBe(200);
    await first.stop();
    expect((await request(a.url).get('/api/products').timeout(2000)).status).toBe(200);

    const second = await startRedisServer(first.port);
    cleanups.push(() => second.stop());
    // The clients reconnect on their own (backoff at most 2 s); wait until counting resumes.
    const deadline = Date.now() + 10_000;
    let limited = false;
    while (!limited && Date.now() < deadline) {
      const res = await request(Date.now() % 2 === 0 ? a.url : b.url)
        .get('/api/products')
        .timeout(2000);
      limited = res.status === 429;
      if (!limited) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(limited).toBe(true);
    expectProblem(await request(a.url).get('/api/products'), 429, 'RATE_LIMIT.EXCEEDED');
    expectProblem(await request(b.url).get('/api/products'), 429, 'RATE_LIMIT.EXCEEDED');
  });
});

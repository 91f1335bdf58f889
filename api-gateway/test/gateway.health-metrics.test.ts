import { createServer, type AddressInfo, type Socket } from 'node:net';
import { bearer, sampleSum } from '@shop/test-support';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useGateways } from './harness';
import { freePort } from './support';

/** Every test starts its own gateway (its own limits); all are closed after the file. */
const gateway = useGateways();

describe('health', () => {
  it('GET /health answers 200 {status: "ok"}', async () => {
    const gw = await gateway();
    const res = await request(gw.url).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /health/ready answers 200 with every upstream up', async () => {
    const gw = await gateway();
    const res = await request(gw.url).get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ready',
      upstreams: { 'user-service': 'up', 'product-service': 'up', 'order-service': 'up' },
    });
    for (const upstream of Object.values(gw.upstreams)) expect(upstream.requests.at(-1)?.url).toBe('/health/ready');
  });

  it('GET /health/ready answers 503 naming the upstream that is down, while /health stays 200', async () => {
    const closedPort = await freePort();
    const gw = await gateway({}, { 'order-service': `http://127.0.0.1:${closedPort}` });
    const res = await request(gw.url).get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      status: 'degraded',
      upstreams: { 'user-service': 'up', 'product-service': 'up', 'order-service': 'down' },
    });
    expect((await request(gw.url).get('/health')).status).toBe(200);
  });

  it('an upstream whose readiness check hangs counts as down within about a second', async () => {
    // Accepts connections and never answers.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const gw = await gateway({}, { 'product-service': `http://127.0.0.1:${(silent.address() as AddressInfo).port}` });
      const startedAt = Date.now();
      const res = await request(gw.url).get('/health/ready');
      expect(Date.now() - startedAt).toBeLessThan(2000);
      expect(res.status).toBe(503);
      expect(res.body.upstreams).toEqual({ 'user-service': 'up', 'product-service': 'down', 'order-service': 'up' });
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('metrics', () => {
  it('GET /metrics exposes request counts by route template, upstream durations and rejections', async () => {
    const gw = await gateway();
    const ids = ['a'.repeat(24), 'b'.repeat(24), 'c'.repeat(24)];
    for (const id of ids) expect((await request(gw.url).get(`/api/products/${id}`)).status).toBe(200);
    expect((await request(gw.url).get('/api/users/me')).status).toBe(401);
    expect((await request(gw.url).get('/api/users/me').set(bearer('user'))).status).toBe(200);

    const res = await request(gw.url).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.text;
    expect(
      sampleSum(text, 'http_requests_total', { method: 'GET', route: '/api/products/:id', status_code: '200' }),
    ).toBe(3);
    for (const id of ids) expect(text).not.toContain(id);
    expect(sampleSum(text, 'http_requests_total', { method: 'GET', route: '/api/users/me', status_code: '401' })).toBe(
      1,
    );
    expect(text).toMatch(/^gateway_upstream_duration_seconds_bucket\{[^}]*target="product-service"/m);
    expect(
      sampleSum(text, 'gateway_upstream_duration_seconds_count', { target: 'product-service', status_code: '200' }),
    ).toBe(3);
    expect(
      sampleSum(text, 'gateway_upstream_duration_seconds_count', { target: 'user-service', status_code: '200' }),
    ).toBe(1);
    expect(text).toMatch(/^# TYPE gateway_rejections_total counter$/m);
    expect(sampleSum(text, 'gateway_rejections_total', { reason: 'auth' })).toBe(1);
  });

  it('with METRICS_TOKEN set, /metrics answers 401 problem+json without the token and the metrics with it', async () => {
    const gw = await gateway({ metricsToken: 'scrape-token-0123456789' });
    const refused = await request(gw.url).get('/metrics').set('authorization', 'Bearer wrong-token-0123456789');
    expect(refused.status).toBe(401);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body.code).toBe('METRICS.UNAUTHORIZED');
    const allowed = await request(gw.url).get('/metrics').set('authorization', 'Bearer scrape-token-0123456789');
    expect(allowed.status).toBe(200);
    expect(allowed.text).toContain('http_requests_total');
  });

  it('unknown paths share one label instead of one series per path', async () => {
    const gw = await gateway();
    for (let i = 0; i < 3; i++) await request(gw.url).get(`/random-${i}`);
    const text = (await request(gw.url).get('/metrics')).text;
    expect(text).not.toMatch(/random-\d/);
  });
});

describe('CORS', () => {
  it('a preflight from an allowed origin gets access-control-allow-origin for it, even on a protected route', async () => {
    const gw = await gateway({ corsOrigins: ['https://shop.example'] });
    const res = await request(gw.url)
      .options('/api/orders')
      .set('Origin', 'https://shop.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(gw.upstreams['order-service'].requests).toHaveLength(0);
  });

  it('a preflight from another origin gets no access-control-allow-origin', async () => {
    const gw = await gateway({ corsOrigins: ['https://shop.example'] });
    const res = await request(gw.url)
      .options('/api/orders')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a simple request from the allowed origin can read the exposed headers', async () => {
    const gw = await gateway({ corsOrigins: ['https://shop.example'] });
    const res = await request(gw.url).get('/api/products').set('Origin', 'https://shop.example');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(res.headers['access-control-expose-headers']?.toLowerCase()).toContain('x-request-id');
  });
});

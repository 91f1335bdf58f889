import { createHash } from 'node:crypto';
import { bearer, newId } from '@shop/test-support';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './harness';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.close());

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

describe('routing', () => {
  it.each([
    ['POST', '/api/auth/register', 'user-service', '/auth/register'],
    ['GET', '/api/users/me', 'user-service', '/users/me'],
    ['GET', `/api/users/${'a'.repeat(24)}`, 'user-service', `/users/${'a'.repeat(24)}`],
    ['GET', `/api/users/${'a'.repeat(24)}/orders?page=2`, 'order-service', `/users/${'a'.repeat(24)}/orders?page=2`],
    ['GET', '/api/products?category=books', 'product-service', '/products?category=books'],
    ['PATCH', `/api/products/${'b'.repeat(24)}/stock`, 'product-service', `/products/${'b'.repeat(24)}/stock`],
    ['POST', '/api/orders', 'order-service', '/orders'],
    ['POST', `/api/orders/${'c'.repeat(24)}/cancel`, 'order-service', `/orders/${'c'.repeat(24)}/cancel`],
  ] as const)('%s %s goes to %s as %s', async (method, path, upstream, upstreamPath) => {
    const verb = method === 'PATCH' ? 'patch' : method === 'POST' ? 'post' : 'get';
    const call = request(gw.url)[verb](path);
    const res = await call.set(bearer('admin')).send(method === 'GET' ? undefined : { a: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ upstream, url: upstreamPath });
  });

  it.each(['/api/orders', '/api/auth/login', `/api/products/${'d'.repeat(24)}`])(
    'a body near the size limit reaches the upstream byte for byte (POST/PATCH %s)',
    async (path) => {
      // Unusual spacing, key order and unicode: any re-serialisation would change these bytes.
      const filler = 'é'.repeat(40_000); // 80 000 bytes
      const raw = Buffer.from(`{ "email" :"x@example.com",\n  "z": 1, "a":"${filler}" ,"n": 1.50 }`);
      expect(raw.length).toBeGreaterThan(80_000);
      const upstreamName = path.startsWith('/api/products')
        ? 'product-service'
        : path === '/api/orders'
          ? 'order-service'
          : 'user-service';
      const before = gw.upstreams[upstreamName].requests.length;
      const verb = path.startsWith('/api/products') ? 'patch' : 'post';
      const call = request(gw.url)[verb](path);
      const res = await call.set(bearer('admin')).set('content-type', 'application/json').send(raw.toString('utf8'));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const received = gw.upstreams[upstreamName].requests.slice(before).find((r) => r.method !== 'GET');
      expect(received?.body.length).toBe(raw.length);
      expect(sha(received!.body)).toBe(sha(raw));
    },
  );

  it("a service's Location gets the public /api prefix back; an absolute URL is left alone", async () => {
    const upstream = gw.upstreams['product-service'];
    const echo = upstream.handle;
    const id = 'e'.repeat(24);
    try {
      upstream.handle = (req, res) => {
        res.statusCode = 201;
        res.setHeader('location', req.url === '/products' ? `/products/${id}` : 'https://cdn.example/x');
        res.end('{}');
      };
      const created = await request(gw.url).post('/api/products').set(bearer('admin')).send({ a: 1 });
      expect(created.headers.location).toBe(`/api/products/${id}`);
      const absolute = await request(gw.url).patch(`/api/products/${id}`).set(bearer('admin')).send({ a: 1 });
      expect(absolute.headers.location).toBe('https://cdn.example/x');
    } finally {
      upstream.handle = echo;
    }
  });

  it('an unknown route answers 404 problem+json', async () => {
    const res = await request(gw.url).get('/api/nothing-here').set(bearer('user'));
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, code: 'ROUTE.NOT_FOUND' });
  });

  it('creates an X-Request-Id when absent, keeps a given one, and forwards it upstream', async () => {
    const created = await request(gw.url).get('/api/products');
    expect(created.headers['x-request-id']).toMatch(/^[\w-]{36}$/);
    const given = await request(gw.url).get('/api/products').set('X-Request-Id', 'trace-me-123');
    expect(given.headers['x-request-id']).toBe('trace-me-123');
    const last = gw.upstreams['product-service'].requests.at(-1);
    expect(last?.headers['x-request-id']).toBe('trace-me-123');
  });

  it("sets a JSON API's security headers (no framing, sniffing, plain HTTP or cross-origin reads) and no X-Powered-By", async () => {
    for (const res of [await request(gw.url).get('/api/products'), await request(gw.url).get('/api/nowhere')]) {
      expect(res.headers).toMatchObject({
        'content-security-policy': "default-src 'none';frame-ancestors 'none'",
        'cross-origin-resource-policy': 'same-origin',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
      });
      // helmet's headers for rendered documents are left to the docs page.
      expect(res.headers['referrer-policy']).toBeUndefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('forwards the Authorization header and drops identity headers sent by the client', async () => {
    const userId = newId();
    const auth = bearer('user', userId);
    await request(gw.url).get('/api/users/me').set(auth).set('X-User-Id', 'someone-else').set('X-User-Role', 'admin');
    const last = gw.upstreams['user-service'].requests.at(-1);
    expect(last?.headers.authorization).toBe(auth.authorization);
    expect(last?.headers['x-user-id']).toBeUndefined();
    expect(last?.headers['x-user-role']).toBeUndefined();
  });
});

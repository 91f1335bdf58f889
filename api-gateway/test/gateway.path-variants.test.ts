import { request as httpRequest } from 'node:http';
import { bearer, newId } from '@shop/test-support';
import { describe, expect, it } from 'vitest';
import { useGateways, type TestGateway } from './harness';
import { variantsOf, type Answer } from './support';

const generous = { windowMs: 60_000, limit: 10_000 };
const gateway = useGateways();

/** Sends `path` byte for byte (no URL parsing on our side, which would normalise it first). */
function sendRaw(
  gw: TestGateway,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  const { hostname, port } = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        hostname,
        port,
        method,
        path,
        agent: false,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text === '' ? undefined : (JSON.parse(text) as unknown),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Ambiguous spellings are refused as such (400); a differently-cased word is simply no route (404). */
function expectRefused(res: Answer, refusal: 400 | 404): void {
  expect(res.status, JSON.stringify(res.body)).toBe(refusal);
  expect(res.body?.code).toBe(refusal === 400 ? 'REQUEST.BAD_PATH' : 'ROUTE.NOT_FOUND');
}

describe('one canonical path: no spelling of a limited or protected route gets another decision', () => {
  it.each(variantsOf('/api/auth/login'))(
    'login limit: after the limit is reached, the %s variant (%s) is refused as such, never a login',
    async (_label, variant, refusal) => {
      const gw = await gateway({
        limits: { global: generous, login: { windowMs: 60_000, limit: 2 }, orders: generous },
      });
      const body = JSON.stringify({ email: 'victim@example.com', password: 'guess' });
      for (let i = 0; i < 2; i++) expect((await sendRaw(gw, 'POST', '/api/auth/login', {}, body)).status).toBe(200);
      expect((await sendRaw(gw, 'POST', '/api/auth/login', {}, body)).status).toBe(429);
      const before = gw.upstreams['user-service'].requests.length;

      const res = await sendRaw(gw, 'POST', variant, {}, body);

      expectRefused(res, refusal);
      expect(gw.upstreams['user-service'].requests.length).toBe(before);
      // The same decision with a query string: the query is not part of the path.
      expect((await sendRaw(gw, 'POST', '/api/auth/login?next=/x', {}, body)).status).toBe(429);
    },
  );

  it.each(variantsOf('/api/orders'))(
    'order limit: after the limit is reached, the %s variant (%s) is refused as such, never an order',
    async (_label, variant, refusal) => {
      const gw = await gateway({
        limits: { global: generous, login: generous, orders: { windowMs: 60_000, limit: 1 } },
      });
      const alice = bearer('user', newId());
      expect((await sendRaw(gw, 'POST', '/api/orders', alice, '{}')).status).toBe(200);
      const before = gw.upstreams['order-service'].requests.length;

      const res = await sendRaw(gw, 'POST', variant, alice, '{}');

      expectRefused(res, refusal);
      expect(gw.upstreams['order-service'].requests.length).toBe(before);
      expect((await sendRaw(gw, 'POST', '/api/orders?x=1', alice, '{}')).status).toBe(429);
    },
  );

  it.each(variantsOf('/api/users/me'))(
    'auth: without a token, the %s variant (%s) of GET /api/users/me is refused and never proxied',
    async (_label, variant, refusal) => {
      const gw = await gateway();
      const res = await sendRaw(gw, 'GET', variant);
      // `/api/users/ME` is GET /api/users/:id, which needs a token just the same.
      if (res.status !== 401) expectRefused(res, refusal);
      expect(gw.upstreams['user-service'].requests).toHaveLength(0);
      expect((await sendRaw(gw, 'GET', '/api/users/me?x=1')).status).toBe(401);
    },
  );

  it.each(variantsOf('/api/products'))(
    'with a valid token, the %s variant (%s) of POST /api/products is refused: only the canonical path is forwarded',
    async (_label, variant, refusal) => {
      const gw = await gateway();
      const res = await sendRaw(gw, 'POST', variant, bearer('admin'), '{}');
      expectRefused(res, refusal);
      expect(gw.upstreams['product-service'].requests).toHaveLength(0);
      const canonical = await sendRaw(gw, 'POST', '/api/products?x=1', bearer('admin'), '{}');
      expect(canonical.status).toBe(200);
      expect(gw.upstreams['product-service'].requests.at(-1)?.url).toBe('/products?x=1');
    },
  );

  it('a known path with a method it does not have answers 405 with Allow, and is not proxied', async () => {
    const gw = await gateway();
    const res = await sendRaw(gw, 'DELETE', '/api/orders', bearer('user'));
    expect(res.status).toBe(405);
    expect(res.body).toMatchObject({ status: 405, code: 'ROUTE.METHOD_NOT_ALLOWED' });
    expect(res.headers.allow).toBe('POST, GET, HEAD');
    expect(gw.upstreams['order-service'].requests).toHaveLength(0);
  });
});

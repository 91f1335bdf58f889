import { TEST_JWT_SECRET, bearer, newId, sampleSum, tokenFor } from '@shop/test-support';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './harness';
import { expectProblem } from './support';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.close());

const id = 'a'.repeat(24);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const totalRequestsUpstream = () =>
  Object.values(gw.upstreams).reduce((sum, upstream) => sum + upstream.requests.length, 0);
const signed = (claims: object, secret = TEST_JWT_SECRET, options: jwt.SignOptions = {}) =>
  jwt.sign(claims, secret, { algorithm: 'HS256', issuer: 'shop', subject: newId(), expiresIn: 3600, ...options });

function send(method: 'GET' | 'POST' | 'PATCH', path: string, headers: Record<string, string> = {}) {
  const agent = request(gw.url);
  const call = method === 'GET' ? agent.get(path) : method === 'POST' ? agent.post(path) : agent.patch(path);
  call.set(headers);
  return method === 'GET' ? call : call.send({ email: 'someone@example.com', password: 'long-enough-password' });
}

describe('public routes need no token', () => {
  it.each([
    ['POST', '/api/auth/register', 'user-service'],
    ['POST', '/api/auth/login', 'user-service'],
    ['GET', '/api/products', 'product-service'],
    ['GET', `/api/products/${id}`, 'product-service'],
  ] as const)('%s %s without a token reaches %s', async (method, path, upstream) => {
    const before = gw.upstreams[upstream].requests.length;
    const res = await send(method, path);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ upstream });
    expect(gw.upstreams[upstream].requests.length).toBe(before + 1);
  });

  it('GET /health without a token answers 200', async () => {
    const res = await request(gw.url).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

const PROTECTED = [
  ['GET', '/api/users/me'],
  ['POST', '/api/orders'],
  ['PATCH', `/api/products/${id}`],
  ['POST', '/api/products'],
] as const;

const BAD_CREDENTIALS: [string, () => Record<string, string>, string][] = [
  ['no Authorization header', () => ({}), 'AUTH.UNAUTHORIZED'],
  ['a bare "Bearer"', () => ({ authorization: 'Bearer' }), 'AUTH.UNAUTHORIZED'],
  ['a Basic scheme', () => ({ authorization: 'Basic abc' }), 'AUTH.UNAUTHORIZED'],
  ['a bearer value that is no JWT', () => ({ authorization: 'Bearer not.a.jwt!' }), 'AUTH.UNAUTHORIZED'],
  [
    'a valid token behind another scheme',
    () => ({ authorization: `Basic Bearer ${tokenFor('admin')}` }),
    'AUTH.UNAUTHORIZED',
  ],
  [
    'an expired token',
    () => ({ authorization: `Bearer ${signed({ role: 'user' }, TEST_JWT_SECRET, { expiresIn: -10 })}` }),
    'AUTH.TOKEN_EXPIRED',
  ],
  [
    'a token whose signature was altered',
    () => {
      const [header, payload, signature = ''] = tokenFor('admin').split('.');
      const at = Math.floor(signature.length / 2);
      const flipped = signature[at] === 'A' ? 'B' : 'A';
      return {
        authorization: `Bearer ${header}.${payload}.${signature.slice(0, at)}${flipped}${signature.slice(at + 1)}`,
      };
    },
    'AUTH.TOKEN_INVALID',
  ],
  [
    'an unsigned alg:none token',
    () => {
      const now = Math.floor(Date.now() / 1000);
      return {
        authorization: `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: newId(), role: 'admin', iss: 'shop', iat: now, exp: now + 3600 })}.`,
      };
    },
    'AUTH.TOKEN_INVALID',
  ],
  [
    'a token signed with another secret',
    () => ({ authorization: `Bearer ${signed({ role: 'admin' }, 'another-secret-that-is-at-least-32-bytes-long')}` }),
    'AUTH.TOKEN_INVALID',
  ],
  [
    'a token with an unknown role',
    () => ({ authorization: `Bearer ${signed({ role: 'superuser' })}` }),
    'AUTH.TOKEN_INVALID',
  ],
];

describe('protected routes reject bad credentials with 401 before any upstream sees them', () => {
  for (const [method, path] of PROTECTED) {
    it.each(BAD_CREDENTIALS)(`${method} ${path} with %s → 401`, async (_label, headers, code) => {
      const before = totalRequestsUpstream();
      const res = await send(method, path, headers());
      expectProblem(res, 401, code);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(totalRequestsUpstream()).toBe(before);
    });
  }

  it('the 401 says whether the token is missing or the Authorization header is malformed', async () => {
    const missing = await request(gw.url).get('/api/users/me');
    const malformed = await request(gw.url).get('/api/users/me').set('authorization', 'Basic abc');

    expectProblem(missing, 401, 'AUTH.UNAUTHORIZED');
    expect(missing.body.detail).toBe('A bearer token is required');
    expectProblem(malformed, 401, 'AUTH.UNAUTHORIZED');
    expect(malformed.body.detail).toBe('The Authorization header is malformed');
  });

  it('a valid token passes and its Authorization header reaches the upstream unchanged', async () => {
    for (const [method, path] of PROTECTED) {
      const auth = bearer('admin');
      const upstream = path.startsWith('/api/users')
        ? 'user-service'
        : path.startsWith('/api/orders')
          ? 'order-service'
          : 'product-service';
      const before = gw.upstreams[upstream].requests.length;
      const res = await send(method, path, auth);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(200);
      const received = gw.upstreams[upstream].requests.slice(before);
      expect(received).toHaveLength(1);
      expect(received[0]?.headers.authorization).toBe(auth.authorization);
    }
  });

  it('a token that is verified once and cached is still refused once it expires', async () => {
    const token = signed({ role: 'user' }, TEST_JWT_SECRET, { expiresIn: 1 });
    const ok = await request(gw.url).get('/api/users/me').set('authorization', `Bearer ${token}`);
    expect(ok.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const before = totalRequestsUpstream();
    const res = await request(gw.url).get('/api/users/me').set('authorization', `Bearer ${token}`);
    expectProblem(res, 401, 'AUTH.TOKEN_EXPIRED');
    expect(totalRequestsUpstream()).toBe(before);
  });

  it('counts each auth rejection in gateway_rejections_total{reason="auth"}', async () => {
    const read = async () =>
      sampleSum((await request(gw.url).get('/metrics')).text, 'gateway_rejections_total', { reason: 'auth' });
    const before = await read();
    await request(gw.url).get('/api/users/me');
    await request(gw.url).post('/api/orders').set('authorization', 'Basic abc').send({});
    expect(await read()).toBe(before + 2);
  });
});

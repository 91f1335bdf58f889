import { createHmac } from 'node:crypto';
import { bearer, newId, TEST_JWT_SECRET } from '@shop/test-support';
import { signAccessToken } from '@shop/shared/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, expectProblem, startUserService, type UserServiceUnderTest } from './api-client';

/** An HS256 JWT signed with the test secret, with exactly the claims given. */
function signJwt(claims: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${unsigned}.${createHmac('sha256', TEST_JWT_SECRET).update(unsigned).digest('base64url')}`;
}

let service: UserServiceUnderTest;
beforeAll(async () => {
  service = await startUserService();
});
afterAll(async () => {
  await service.close();
});

describe('GET /users/me', () => {
  it('when the caller is signed in, it answers 200 with their account and no secrets', async () => {
    const { id, auth, registration } = await service.registerUser();

    const res = await service.get('/users/me', auth);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, email: registration.email, name: registration.name, role: 'user' });
    expectNoSecrets(res.body);
  });

  it('when the account no longer exists, it answers 404 USER.NOT_FOUND', async () => {
    const res = await service.get('/users/me', bearer('user', newId()));

    expectProblem(res, 404, 'USER.NOT_FOUND');
  });

  it('when there is no token, it answers 401 with WWW-Authenticate', async () => {
    const res = await service.get('/users/me');

    expectProblem(res, 401, 'AUTH.UNAUTHORIZED');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });
});

describe('GET /users/:id', () => {
  it('when a user reads their own account, it answers 200', async () => {
    const { id, auth } = await service.registerUser();

    const res = await service.get(`/users/${id}`, auth);

    expect(res.status).toBe(200);
    expect(res.body.id).toBe(id);
    expectNoSecrets(res.body);
  });

  it('when a user reads another account, it answers exactly as for an id nobody has: 404 USER.NOT_FOUND', async () => {
    const other = await service.registerUser();
    const caller = await service.registerUser();

    const existing = await service.get(`/users/${other.id}`, caller.auth);
    const missing = await service.get(`/users/${newId()}`, caller.auth);

    expectProblem(existing, 404, 'USER.NOT_FOUND');
    expectProblem(missing, 404, 'USER.NOT_FOUND');
    const { requestId: _existingRequestId, ...existingBody } = existing.body;
    const { requestId: _missingRequestId, ...missingBody } = missing.body;
    expect(existingBody).toEqual(missingBody);
    expect(Object.keys(existing.headers).sort()).toEqual(Object.keys(missing.headers).sort());
    expect(JSON.stringify(existing.body)).not.toContain(other.registration.email);
  });

  it('when an admin or another service reads any account, it answers 200', async () => {
    const { id } = await service.registerUser();

    const asAdmin = await service.get(`/users/${id}`, bearer('admin'));
    const asService = await service.get(`/users/${id}`, bearer('service', 'order-service'));

    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.id).toBe(id);
    expect(asService.status).toBe(200);
    expect(asService.body.id).toBe(id);
  });

  it('when no account has the id, it answers 404 USER.NOT_FOUND', async () => {
    const res = await service.get(`/users/${newId()}`, bearer('admin'));

    expectProblem(res, 404, 'USER.NOT_FOUND');
  });

  it('when the id is not an ObjectId, it answers 400 naming params.id', async () => {
    const res = await service.get('/users/not-an-id', bearer('admin'));

    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'params.id' })]);
  });

  it('when the token has expired, it answers 401 AUTH.TOKEN_EXPIRED', async () => {
    const { id } = await service.registerUser();
    const expired = signAccessToken({ id, role: 'user' }, TEST_JWT_SECRET, -60).token;

    const res = await service.get(`/users/${id}`, { authorization: `Bearer ${expired}` });

    expectProblem(res, 401, 'AUTH.TOKEN_EXPIRED');
  });

  it('when a correctly signed token has no exp, no iat or no issuer, it answers 401 AUTH.TOKEN_INVALID', async () => {
    const { id } = await service.registerUser();
    const now = Math.floor(Date.now() / 1000);

    const noExp = signJwt({ sub: id, role: 'user', iss: 'shop', iat: now });
    const noIat = signJwt({ sub: id, role: 'user', iss: 'shop', exp: now + 600 });
    const noIssuer = signJwt({ sub: id, role: 'user', iat: now, exp: now + 600 });
    const complete = signJwt({ sub: id, role: 'user', iss: 'shop', iat: now, exp: now + 600 });

    for (const token of [noExp, noIat, noIssuer]) {
      expectProblem(await service.get('/users/me', { authorization: `Bearer ${token}` }), 401, 'AUTH.TOKEN_INVALID');
    }
    // The helper signs correctly: with every claim present the same kind of token is accepted.
    expect((await service.get('/users/me', { authorization: `Bearer ${complete}` })).status).toBe(200);
  });

  it('when the token is garbage or signed with another secret, it answers 401', async () => {
    const { id } = await service.registerUser();
    const forged = signAccessToken({ id, role: 'admin' }, 'some-other-secret-that-is-long-enough!!', 3600).token;

    const garbage = await service.get(`/users/${id}`, { authorization: 'Bearer not.a.jwt' });
    const wrongSecret = await service.get(`/users/${id}`, { authorization: `Bearer ${forged}` });
    const notBearer = await service.get(`/users/${id}`, { authorization: 'Basic dXNlcjpwYXNz' });

    expectProblem(garbage, 401, 'AUTH.TOKEN_INVALID');
    expectProblem(wrongSecret, 401, 'AUTH.TOKEN_INVALID');
    expectProblem(notBearer, 401, 'AUTH.UNAUTHORIZED');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E_ADMIN, http, startTestStack } from '@shop/test-support';
import type { RunningStack } from '../src/stack';

let stack: RunningStack;
let api: string;
beforeAll(async () => {
  stack = await startTestStack();
  api = `${stack.url('api-gateway')}/api`;
});
afterAll(() => stack.stop());

const register = async () => {
  const email = `shopper-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const res = await http(`${api}/auth/register`, {
    json: { name: 'Shopper', email, password: 'correct horse battery' },
  });
  expect(res.status).toBe(201);
  return { email, ...(res.body as { user: { id: string }; token: string; refreshToken: string }) };
};

describe('sessions through the gateway', () => {
  it('a refresh token rotates; reusing the old one ends the session; logout ends it too', async () => {
    const shopper = await register();
    const refreshed = await http(`${api}/auth/refresh`, { json: { refreshToken: shopper.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).not.toBe(shopper.refreshToken);
    expect((await http(`${api}/users/me`, { token: refreshed.body.token })).status).toBe(200);

    expect((await http(`${api}/auth/refresh`, { json: { refreshToken: shopper.refreshToken } })).body).toMatchObject({
      status: 401,
      code: 'AUTH.REFRESH_REUSED',
    });
    expect((await http(`${api}/auth/refresh`, { json: { refreshToken: refreshed.body.refreshToken } })).status).toBe(
      401,
    );

    const again = await http(`${api}/auth/login`, {
      json: { email: shopper.email, password: 'correct horse battery' },
    });
    expect((await http(`${api}/auth/logout`, { json: { refreshToken: again.body.refreshToken } })).status).toBe(204);
    expect((await http(`${api}/auth/refresh`, { json: { refreshToken: again.body.refreshToken } })).status).toBe(401);
  });

  it('an admin demotes another admin and disables a shopper: their next refresh reflects it', async () => {
    const admin = await http(`${api}/auth/login`, { json: E2E_ADMIN });
    const deputy = await register();
    const promoted = await http(`${api}/users/${deputy.user.id}`, {
      method: 'PATCH',
      token: admin.body.token,
      json: { role: 'admin' },
    });
    expect(promoted.body).toMatchObject({ role: 'admin' });
    const asAdmin = await http(`${api}/auth/refresh`, { json: { refreshToken: deputy.refreshToken } });
    expect((await http(`${api}/users`, { token: asAdmin.body.token })).status).toBe(200);

    await http(`${api}/users/${deputy.user.id}`, { method: 'PATCH', token: admin.body.token, json: { role: 'user' } });
    const demoted = await http(`${api}/auth/refresh`, { json: { refreshToken: asAdmin.body.refreshToken } });
    expect(demoted.status).toBe(200);
    expect((await http(`${api}/users`, { token: demoted.body.token })).status).toBe(403);

    await http(`${api}/users/${deputy.user.id}`, {
      method: 'PATCH',
      token: admin.body.token,
      json: { disabled: true },
    });
    // Its access token still verifies for a few minutes, but it can no longer buy.
    const order = await http(`${api}/orders`, {
      token: demoted.body.token,
      json: { items: [{ productId: '0'.repeat(24), quantity: 1 }] },
    });
    expect(order.body).toMatchObject({ status: 403, code: 'USER.DISABLED' });
    expect((await http(`${api}/auth/refresh`, { json: { refreshToken: demoted.body.refreshToken } })).status).toBe(401);
    expect(
      (await http(`${api}/auth/login`, { json: { email: deputy.email, password: 'correct horse battery' } })).body,
    ).toMatchObject({ status: 403, code: 'USER.DISABLED' });
  });

  it('a shopper cannot change roles: PATCH /api/users/:id is for admins only', async () => {
    const shopper = await register();
    const res = await http(`${api}/users/${shopper.user.id}`, {
      method: 'PATCH',
      token: shopper.token,
      json: { role: 'admin' },
    });
    expect(res.status).toBe(403);
  });
});

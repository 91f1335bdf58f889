import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, E2E_ADMIN, startTestStack, withToken, type ApiClient } from '@shop/test-support';
import type { RunningStack } from '../src/stack';

let stack: RunningStack;
// Through the gateway with the typed client: every answer is checked against api-gateway/openapi.json.
let api: ApiClient;
beforeAll(async () => {
  stack = await startTestStack();
  api = createApiClient(stack.url('api-gateway'));
});
afterAll(() => stack.stop());

const register = async () => {
  const email = `shopper-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const res = await api.POST('/api/auth/register', {
    body: { name: 'Shopper', email, password: 'correct horse battery' },
  });
  expect(res.response.status).toBe(201);
  return { email, ...res.data! };
};

const refresh = (refreshToken: string) => api.POST('/api/auth/refresh', { body: { refreshToken } });
const updateUser = (token: string, id: string, body: { role?: 'user' | 'admin'; disabled?: boolean }) =>
  api.PATCH('/api/users/{id}', { ...withToken(token), params: { path: { id } }, body });

describe('sessions through the gateway', () => {
  it('a refresh token rotates; reusing the old one ends the session; logout ends it too', async () => {
    const shopper = await register();
    const refreshed = await refresh(shopper.refreshToken);
    expect(refreshed.response.status).toBe(200);
    expect(refreshed.data?.refreshToken).not.toBe(shopper.refreshToken);
    expect((await api.GET('/api/users/me', withToken(refreshed.data!.token))).response.status).toBe(200);

    expect((await refresh(shopper.refreshToken)).error).toMatchObject({
      status: 401,
      code: 'AUTH.REFRESH_REUSED',
    });
    expect((await refresh(refreshed.data!.refreshToken)).response.status).toBe(401);

    const again = await api.POST('/api/auth/login', {
      body: { email: shopper.email, password: 'correct horse battery' },
    });
    const loggedOut = await api.POST('/api/auth/logout', { body: { refreshToken: again.data!.refreshToken } });
    expect(loggedOut.response.status).toBe(204);
    expect((await refresh(again.data!.refreshToken)).response.status).toBe(401);
  });

  it('an admin demotes another admin and disables a shopper: their next refresh reflects it', async () => {
    const admin = (await api.POST('/api/auth/login', { body: E2E_ADMIN })).data!;
    const deputy = await register();
    const promoted = await updateUser(admin.token, deputy.user.id, { role: 'admin' });
    expect(promoted.data).toMatchObject({ role: 'admin' });
    const asAdmin = (await refresh(deputy.refreshToken)).data!;
    expect((await api.GET('/api/users', withToken(asAdmin.token))).response.status).toBe(200);

    await updateUser(admin.token, deputy.user.id, { role: 'user' });
    const demoted = await refresh(asAdmin.refreshToken);
    expect(demoted.response.status).toBe(200);
    expect((await api.GET('/api/users', withToken(demoted.data!.token))).response.status).toBe(403);

    await updateUser(admin.token, deputy.user.id, { disabled: true });
    // Its access token still verifies for a few minutes, but it can no longer buy.
    const order = await api.POST('/api/orders', {
      ...withToken(demoted.data!.token),
      body: { items: [{ productId: '0'.repeat(24), quantity: 1 }] },
    });
    expect(order.error).toMatchObject({ status: 403, code: 'USER.DISABLED' });
    expect((await refresh(demoted.data!.refreshToken)).response.status).toBe(401);
    expect(
      (await api.POST('/api/auth/login', { body: { email: deputy.email, password: 'correct horse battery' } })).error,
    ).toMatchObject({ status: 403, code: 'USER.DISABLED' });
  });

  it('a shopper cannot change roles: PATCH /api/users/:id is for admins only', async () => {
    const shopper = await register();
    const res = await updateUser(shopper.token, shopper.user.id, { role: 'admin' });
    expect(res.response.status).toBe(403);
  });
});

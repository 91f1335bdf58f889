import {
  createApiClient,
  E2E_ADMIN,
  http,
  startTestStack,
  unique,
  withToken,
  type ApiClient,
} from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningStack } from '../src/stack';

let stack: RunningStack;
// Everything goes through the gateway, as a client would, with the typed client: every answer is
// checked against api-gateway/openapi.json.
let api: ApiClient;
let adminToken: string | undefined;

beforeAll(async () => {
  stack = await startTestStack();
  api = createApiClient(stack.url('api-gateway'));
  adminToken = (await api.POST('/api/auth/login', { body: E2E_ADMIN })).data?.token;
});
afterAll(() => stack?.stop());

const asAdmin = () => withToken(adminToken!);

async function registerShopper(): Promise<{ id: string; token: string }> {
  const email = `${unique('shopper')}@example.com`;
  const registered = await api.POST('/api/auth/register', {
    body: { name: 'Shopper', email, password: 'correct horse battery' },
  });
  expect(registered.response.status).toBe(201);
  const login = await api.POST('/api/auth/login', {
    body: { email: email.toUpperCase(), password: 'correct horse battery' },
  });
  expect(login.response.status).toBe(200);
  return { id: registered.data!.user.id, token: login.data!.token };
}

async function createProduct(stock: number, price = 12.5): Promise<string> {
  const res = await api.POST('/api/products', {
    ...asAdmin(),
    body: { name: unique('Lamp'), description: 'e2e', price, category: unique('cat'), stock },
  });
  expect(res.response.status).toBe(201);
  return res.data!.id;
}

const stockOf = async (productId: string): Promise<number | undefined> =>
  (await api.GET('/api/products/{id}', { params: { path: { id: productId } } })).data?.stock;

const placeOrder = (token: string, productId: string, quantity: number) =>
  api.POST('/api/orders', { ...withToken(token), body: { items: [{ productId, quantity }] } });

describe('the services and the gateway as real processes', () => {
  it('a shopper registers, logs in, orders, sees the order, cancels it, and the stock comes back', async () => {
    expect(adminToken).toEqual(expect.any(String));
    const shopper = await registerShopper();
    const productId = await createProduct(5, 12.5);

    const placed = await placeOrder(shopper.token, productId, 2);
    expect(placed.response.status).toBe(201);
    expect(placed.data).toMatchObject({ status: 'confirmed', total: 25, userId: shopper.id });
    expect(await stockOf(productId)).toBe(3);
    const orderId = placed.data!.id;

    const own = await api.GET('/api/orders', withToken(shopper.token));
    expect(own.data?.items.map((o) => o.id)).toEqual([orderId]);
    const byUser = await api.GET('/api/users/{userId}/orders', {
      ...asAdmin(),
      params: { path: { userId: shopper.id } },
    });
    expect(byUser.data?.total).toBe(1);

    const cancelled = await api.POST('/api/orders/{id}/cancel', {
      ...withToken(shopper.token),
      params: { path: { id: orderId } },
    });
    expect(cancelled.response.status).toBe(200);
    expect(cancelled.data?.status).toBe('cancelled');
    expect(await stockOf(productId)).toBe(5);
  });

  it('another shopper can neither read nor cancel the order: 404, as if it did not exist', async () => {
    const owner = await registerShopper();
    const stranger = await registerShopper();
    const productId = await createProduct(2);
    const placed = await placeOrder(owner.token, productId, 1);
    const order = { ...withToken(stranger.token), params: { path: { id: placed.data!.id } } };
    expect((await api.GET('/api/orders/{id}', order)).error).toMatchObject({
      status: 404,
      code: 'ORDER.NOT_FOUND',
    });
    expect((await api.POST('/api/orders/{id}/cancel', order)).error).toMatchObject({
      status: 404,
      code: 'ORDER.NOT_FOUND',
    });
    expect(await stockOf(productId)).toBe(1);
  });

  it('50 concurrent orders of one unit for a product with stock 10 give 10 confirmed orders, 40 answers of 409, and stock 0', async () => {
    const shopper = await registerShopper();
    const productId = await createProduct(10);
    const answers = await Promise.all(Array.from({ length: 50 }, () => placeOrder(shopper.token, productId, 1)));
    const statuses = answers.map((a) => a.response.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    expect(answers.find((a) => a.response.status === 409)?.error?.code).toBe('STOCK.INSUFFICIENT');
    expect(await stockOf(productId)).toBe(0);
    const confirmed = await api.GET('/api/orders', {
      ...withToken(shopper.token),
      params: { query: { status: 'confirmed', limit: 100 } },
    });
    expect(confirmed.data?.total).toBe(10);
  });

  it('the gateway reports every upstream ready', async () => {
    const ready = await http(`${stack.url('api-gateway')}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body.upstreams).toEqual({ 'user-service': 'up', 'product-service': 'up', 'order-service': 'up' });
  });

  it('a service stops on SIGTERM with exit code 0, the gateway then answers 503 for it at once, and its readiness answers 503 naming it down', async () => {
    const { child } = stack.services['order-service'];
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const started = Date.now();
    const res = await api.GET('/api/orders', asAdmin());
    expect(res.response.status).toBe(503);
    expect(res.error?.code).toBe('UPSTREAM.UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(1000);
    // The gateway asks its upstreams at most once a second, so an answer from before the stop may be served for up to that long.
    await vi.waitFor(
      async () => {
        const ready = await http(`${stack.url('api-gateway')}/health/ready`);
        expect(ready.status).toBe(503);
        expect(ready.body.upstreams).toEqual({
          'user-service': 'up',
          'product-service': 'up',
          'order-service': 'down',
        });
      },
      { timeout: 3000, interval: 250 },
    );
  });
});

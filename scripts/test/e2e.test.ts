import { E2E_ADMIN, http, startTestStack, unique } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningStack } from '../src/stack';

let stack: RunningStack;
let users: string;
let products: string;
let orders: string;
let adminToken: string;

beforeAll(async () => {
  stack = await startTestStack();
  // Everything goes through the gateway, as a client would.
  users = products = orders = `${stack.url('api-gateway')}/api`;
  adminToken = (await http(`${users}/auth/login`, { json: E2E_ADMIN })).body.token;
});
afterAll(() => stack?.stop());

async function registerShopper(): Promise<{ id: string; token: string }> {
  const email = `${unique('shopper')}@example.com`;
  const registered = await http(`${users}/auth/register`, {
    json: { name: 'Shopper', email, password: 'correct horse battery' },
  });
  expect(registered.status).toBe(201);
  const login = await http(`${users}/auth/login`, {
    json: { email: email.toUpperCase(), password: 'correct horse battery' },
  });
  expect(login.status).toBe(200);
  return { id: registered.body.user.id, token: login.body.token };
}

async function createProduct(stock: number, price = 12.5): Promise<string> {
  const res = await http(`${products}/products`, {
    token: adminToken,
    json: { name: unique('Lamp'), description: 'e2e', price, category: unique('cat'), stock },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

const stockOf = async (productId: string): Promise<number> =>
  (await http(`${products}/products/${productId}`)).body.stock;

describe('the services and the gateway as real processes', () => {
  it('a shopper registers, logs in, orders, sees the order, cancels it, and the stock comes back', async () => {
    expect(adminToken).toEqual(expect.any(String));
    const shopper = await registerShopper();
    const productId = await createProduct(5, 12.5);

    const placed = await http(`${orders}/orders`, {
      token: shopper.token,
      json: { items: [{ productId, quantity: 2 }] },
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: 'confirmed', total: 25, userId: shopper.id });
    expect(await stockOf(productId)).toBe(3);

    const own = await http(`${orders}/orders`, { token: shopper.token });
    expect(own.body.items.map((o: { id: string }) => o.id)).toEqual([placed.body.id]);
    const byUser = await http(`${orders}/users/${shopper.id}/orders`, { token: adminToken });
    expect(byUser.body.total).toBe(1);

    const cancelled = await http(`${orders}/orders/${placed.body.id}/cancel`, { method: 'POST', token: shopper.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(await stockOf(productId)).toBe(5);
  });

  it('another shopper can neither read nor cancel the order: 404, as if it did not exist', async () => {
    const owner = await registerShopper();
    const stranger = await registerShopper();
    const productId = await createProduct(2);
    const placed = await http(`${orders}/orders`, {
      token: owner.token,
      json: { items: [{ productId, quantity: 1 }] },
    });
    expect((await http(`${orders}/orders/${placed.body.id}`, { token: stranger.token })).body).toMatchObject({
      status: 404,
      code: 'ORDER.NOT_FOUND',
    });
    expect(
      (await http(`${orders}/orders/${placed.body.id}/cancel`, { method: 'POST', token: stranger.token })).body,
    ).toMatchObject({ status: 404, code: 'ORDER.NOT_FOUND' });
    expect(await stockOf(productId)).toBe(1);
  });

  it('50 concurrent orders of one unit for a product with stock 10 give 10 confirmed orders, 40 answers of 409, and stock 0', async () => {
    const shopper = await registerShopper();
    const productId = await createProduct(10);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        http(`${orders}/orders`, { token: shopper.token, json: { items: [{ productId, quantity: 1 }] } }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    expect(answers.find((a) => a.status === 409)?.body.code).toBe('STOCK.INSUFFICIENT');
    expect(await stockOf(productId)).toBe(0);
    const confirmed = await http(`${orders}/orders?status=confirmed&limit=100`, { token: shopper.token });
    expect(confirmed.body.total).toBe(10);
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
    const res = await http(`${orders}/orders`, { token: adminToken });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('UPSTREAM.UNAVAILABLE');
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

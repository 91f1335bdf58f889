import { bearer, newId, sampleSum, testLogger, unique } from '@shop/test-support';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderPlaced } from '../src/domain/order-events';
import { sweepStaleOrders } from '../src/domain/sweep-stale-orders.use-case';
import { createHarness, type Harness } from './harness';

/**
 * What an operator reads off order-service's /metrics: orders placed, rejected by reason,
 * cancelled, their value, how long placing took, and how many are pending.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.database.close());

async function metrics(): Promise<string> {
  const res = await request(h.app).get('/metrics');
  expect(res.status).toBe(200);
  return res.text;
}

const placeOrder = (userId: string, items: unknown, key = unique('key')) =>
  request(h.app).post('/orders').set(bearer('user', userId)).set('Idempotency-Key', key).send({ items });

describe('order metrics', () => {
  it('a placed order counts once, with its value and saga time; its replay adds nothing', async () => {
    const before = await metrics();
    const userId = h.addUser();
    const productId = h.addProduct(10, 1250);

    const key = unique('key');
    expect((await placeOrder(userId, [{ productId, quantity: 2 }], key)).status).toBe(201);
    expect((await placeOrder(userId, [{ productId, quantity: 2 }], key)).status).toBe(200);

    const after = await metrics();
    const grew = (name: string, labels: Record<string, string> = {}) =>
      sampleSum(after, name, labels) - sampleSum(before, name, labels);
    expect(grew('shop_orders_placed_total')).toBe(1);
    expect(grew('shop_order_value_cents_total')).toBe(2500);
    expect(grew('shop_order_saga_duration_seconds_count', { outcome: 'confirmed' })).toBe(1);
    expect(grew('shop_orders_rejected_total')).toBe(0);
  });

  it('each refusal counts under its reason; an invalid body is counted but starts no saga', async () => {
    const before = await metrics();
    const userId = h.addUser();
    const productId = h.addProduct(1);
    const key = unique('key');

    expect((await placeOrder(userId, [{ productId, quantity: 5 }])).status).toBe(409);
    expect((await placeOrder(userId, [{ productId: newId(), quantity: 1 }])).status).toBe(422);
    expect((await placeOrder(newId(), [{ productId, quantity: 1 }])).status).toBe(422);
    expect((await placeOrder(userId, [{ productId, quantity: -1 }])).status).toBe(400);
    expect((await placeOrder(userId, [{ productId, quantity: 1 }], key)).status).toBe(201);
    expect((await placeOrder(userId, [{ productId, quantity: 2 }], key)).status).toBe(422);
    h.stock.isDown = true;
    try {
      expect((await placeOrder(userId, [{ productId, quantity: 1 }])).status).toBe(503);
    } finally {
      h.stock.isDown = false;
    }

    const after = await metrics();
    const rejected = (reason: string) =>
      sampleSum(after, 'shop_orders_rejected_total', { reason }) -
      sampleSum(before, 'shop_orders_rejected_total', { reason });
    expect({
      insufficient_stock: rejected('insufficient_stock'),
      unknown_product: rejected('unknown_product'),
      user_unknown: rejected('user_unknown'),
      validation: rejected('validation'),
      idempotency_key_reused: rejected('idempotency_key_reused'),
      upstream_unavailable: rejected('upstream_unavailable'),
    }).toEqual({
      insufficient_stock: 1,
      unknown_product: 1,
      user_unknown: 1,
      validation: 1,
      idempotency_key_reused: 1,
      upstream_unavailable: 1,
    });
    expect(sampleSum(after, 'shop_orders_rejected_total') - sampleSum(before, 'shop_orders_rejected_total')).toBe(6);
    const sagas = (text: string) => sampleSum(text, 'shop_order_saga_duration_seconds_count', { outcome: 'rejected' });
    expect(sagas(after) - sagas(before)).toBe(5);
  });

  it('a cancel counts once, however often it is asked', async () => {
    const userId = h.addUser();
    const res = await placeOrder(userId, [{ productId: h.addProduct(5), quantity: 1 }]);
    const before = await metrics();

    for (let i = 0; i < 2; i++)
      expect((await request(h.app).post(`/orders/${res.body.id}/cancel`).set(bearer('user', userId))).status).toBe(200);

    const cancelled = (text: string) => sampleSum(text, 'shop_orders_cancelled_total');
    expect(cancelled(await metrics()) - cancelled(before)).toBe(1);
  });

  it('pending orders are a gauge read from the database at each scrape: up when a saga is left pending, down when the sweep releases it', async () => {
    const userId = h.addUser();
    const items = [{ productId: h.addProduct(5), quantity: 1 }];
    const pending = await h.orders.insertPending({
      userId,
      idempotencyKey: unique('key'),
      items,
      event: orderPlaced(items),
    });
    expect(pending).not.toBeNull();
    const pendingNow = async () => sampleSum(await metrics(), 'shop_pending_orders');
    const withPending = await pendingNow();
    expect(withPending).toBeGreaterThanOrEqual(1);

    await sweepStaleOrders(
      { orders: h.orders, stock: h.stock, logger: testLogger, orderMetrics: h.orderMetrics },
      { timeoutMs: 0, now: new Date(Date.now() + 1000) },
    );

    expect(await pendingNow()).toBe(0);
  });
});

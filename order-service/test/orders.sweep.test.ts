import { bearer, testLogger, unique } from '@shop/test-support';
import { Types } from 'mongoose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderConfirmed, orderPlaced } from '../src/domain/order-events';
import { sweepStaleOrders } from '../src/domain/sweep-stale-orders.use-case';
import { createHarness, type Harness } from './harness';

const TIMEOUT_MS = 30_000;

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.database.close());

const sweep = () =>
  sweepStaleOrders(
    { orders: h.orders, stock: h.stock, logger: testLogger, orderMetrics: h.orderMetrics },
    { timeoutMs: TIMEOUT_MS },
  );

/** The state a crash between the saga's steps leaves: a pending order whose stock is reserved. */
async function givenAbandonedSaga(ageMs: number, quantity = 2) {
  const userId = h.addUser();
  const productId = h.addProduct(10);
  const items = [{ productId, quantity }];
  const order = await h.orders.insertPending({
    userId,
    idempotencyKey: unique('key'),
    items,
    event: orderPlaced(items),
  });
  if (order === null) throw new Error('the idempotency key was already taken');
  await h.stock.reserve(order.id, items);
  await backdate(order.id, ageMs);
  return { orderId: order.id, userId, productId };
}

async function backdate(orderId: string, ageMs: number): Promise<void> {
  await h.database.connection
    .collection('orders')
    .updateOne({ _id: new Types.ObjectId(orderId) }, { $set: { createdAt: new Date(Date.now() - ageMs) } });
}

async function sweepWhileStockIsDown() {
  h.stock.isDown = true;
  try {
    return await sweep();
  } finally {
    h.stock.isDown = false;
  }
}

const getOrder = (orderId: string, userId: string) =>
  request(h.app).get(`/orders/${orderId}`).set(bearer('user', userId));

describe('sweeping stale pending orders', () => {
  it('when a pending order is older than the timeout, its reservation is released and the order disappears', async () => {
    const { orderId, userId, productId } = await givenAbandonedSaga(TIMEOUT_MS + 5_000);

    const result = await sweep();

    expect(h.stock.released).toContain(orderId);
    expect(h.stock.products.get(productId)?.stock).toBe(10);
    expect((await getOrder(orderId, userId)).status).toBe(404);
    expect(result.released).toBeGreaterThanOrEqual(1);
  });

  it('when a pending order is younger than the timeout, it is left alone', async () => {
    const { orderId, userId, productId } = await givenAbandonedSaga(TIMEOUT_MS - 10_000);

    await sweep();

    expect(h.stock.released).not.toContain(orderId);
    expect(h.stock.products.get(productId)?.stock).toBe(8);
    const res = await getOrder(orderId, userId);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('pending');
  });

  it('when a confirmed order is older than the timeout, it is never touched', async () => {
    const userId = h.addUser();
    const productId = h.addProduct(10);
    const placed = await request(h.app)
      .post('/orders')
      .set(bearer('user', userId))
      .send({ items: [{ productId, quantity: 3 }] });
    expect(placed.status).toBe(201);
    await backdate(placed.body.id, TIMEOUT_MS * 10);

    await sweep();

    expect(h.stock.released).not.toContain(placed.body.id);
    expect(h.stock.products.get(productId)?.stock).toBe(7);
    const res = await getOrder(placed.body.id, userId);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('confirmed');
  });

  it('when product-service is down, the order stays pending and the next round releases it', async () => {
    const { orderId, userId, productId } = await givenAbandonedSaga(TIMEOUT_MS + 5_000);

    const failedRound = await sweepWhileStockIsDown();

    expect(failedRound.failed).toBeGreaterThanOrEqual(1);
    expect(h.stock.released).not.toContain(orderId);
    expect((await getOrder(orderId, userId)).body.status).toBe('pending');

    await sweep();

    expect(h.stock.released).toContain(orderId);
    expect(h.stock.products.get(productId)?.stock).toBe(10);
    expect((await getOrder(orderId, userId)).status).toBe(404);
  });

  it('when the sweep has begun rolling an order back, a saga that was only slow can no longer confirm it', async () => {
    const { orderId, productId } = await givenAbandonedSaga(TIMEOUT_MS + 5_000);
    await sweepWhileStockIsDown();
    const priced = [{ productId, quantity: 2, name: 'Widget', unitPriceCents: 1000 }];

    const confirmed = await h.orders.confirm(orderId, priced, 2000, orderConfirmed(priced, 2000));

    expect(confirmed).toBeNull();
    expect((await h.orders.findById(orderId))?.status).toBe('pending');
  });

  it('when a stale order has been swept, its idempotency key can be used again', async () => {
    const userId = h.addUser();
    const productId = h.addProduct(10);
    const key = unique('key');
    const items = [{ productId, quantity: 1 }];
    const stale = await h.orders.insertPending({ userId, idempotencyKey: key, items, event: orderPlaced(items) });
    if (stale === null) throw new Error('the idempotency key was already taken');
    await backdate(stale.id, TIMEOUT_MS + 5_000);
    const blocked = await request(h.app)
      .post('/orders')
      .set(bearer('user', userId))
      .set('Idempotency-Key', key)
      .send({ items: [{ productId, quantity: 1 }] });
    expect(blocked.status).toBe(409);

    await sweep();
    const retried = await request(h.app)
      .post('/orders')
      .set(bearer('user', userId))
      .set('Idempotency-Key', key)
      .send({ items: [{ productId, quantity: 1 }] });

    expect(retried.status).toBe(201);
    expect(retried.body.id).not.toBe(stale.id);
  });
});

describe('finishing interrupted cancels', () => {
  it('when a cancel failed to reach product-service, the order stays confirmed and the sweep later releases the stock and cancels it', async () => {
    const userId = h.addUser();
    const productId = h.addProduct(10);
    const placed = await request(h.app)
      .post('/orders')
      .set(bearer('user', userId))
      .send({ items: [{ productId, quantity: 3 }] });
    expect(placed.status).toBe(201);

    h.stock.isDown = true;
    try {
      expect((await request(h.app).post(`/orders/${placed.body.id}/cancel`).set(bearer('user', userId))).status).toBe(
        503,
      );
    } finally {
      h.stock.isDown = false;
    }
    expect((await getOrder(placed.body.id, userId)).body.status).toBe('confirmed');
    await h.database.connection
      .collection('orders')
      .updateOne(
        { _id: new Types.ObjectId(placed.body.id) },
        { $set: { cancelRequestedAt: new Date(Date.now() - TIMEOUT_MS - 1000) } },
      );

    const result = await sweep();

    expect(result.cancelled).toBeGreaterThanOrEqual(1);
    expect((await getOrder(placed.body.id, userId)).body.status).toBe('cancelled');
    expect(h.stock.products.get(productId)?.stock).toBe(10);
  });

  it('a confirmed order nobody asked to cancel is never touched by the sweep', async () => {
    const userId = h.addUser();
    const productId = h.addProduct(10);
    const placed = await request(h.app)
      .post('/orders')
      .set(bearer('user', userId))
      .send({ items: [{ productId, quantity: 3 }] });
    await backdate(placed.body.id, TIMEOUT_MS * 10);

    await sweep();

    expect((await getOrder(placed.body.id, userId)).body.status).toBe('confirmed');
    expect(h.stock.products.get(productId)?.stock).toBe(7);
  });
});

import { bearer, newId, testLogger } from '@shop/test-support';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cancelOrder } from '../src/domain/cancel-order.use-case';
import type { OrderStore } from '../src/domain/order';
import { sweepStaleOrders } from '../src/domain/sweep-stale-orders.use-case';
import { createHarness, type Harness } from './harness';
import { expectSameAnswer } from './same-answer';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.database.close());

/** A user with one confirmed order for `quantity` of a product that started with `stock` units. */
async function confirmedOrder(
  stock = 10,
  quantity = 3,
): Promise<{ userId: string; productId: string; orderId: string }> {
  const userId = h.addUser();
  const productId = h.addProduct(stock);
  const res = await request(h.app)
    .post('/orders')
    .set(bearer('user', userId))
    .send({ items: [{ productId, quantity }] });
  expect(res.status).toBe(201);
  expect(res.body.status).toBe('confirmed');
  return { userId, productId, orderId: res.body.id as string };
}

const stockOf = (productId: string) => h.stock.products.get(productId)?.stock;
const statusOf = async (orderId: string, userId: string) =>
  (await request(h.app).get(`/orders/${orderId}`).set(bearer('user', userId))).body.status;

describe('POST /orders/:id/cancel', () => {
  it('when the owner cancels a confirmed order, it answers 200 cancelled and the stock is given back', async () => {
    const { userId, productId, orderId } = await confirmedOrder(10, 3);
    expect(stockOf(productId)).toBe(7);

    const res = await request(h.app).post(`/orders/${orderId}/cancel`).set(bearer('user', userId));

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: orderId, userId, status: 'cancelled' });
    expect(stockOf(productId)).toBe(10);
    expect(await statusOf(orderId, userId)).toBe('cancelled');
  });

  it('when a cancelled order is cancelled again, it answers 200 and product-service is not asked to release it again', async () => {
    const { userId, productId, orderId } = await confirmedOrder(10, 3);
    expect((await request(h.app).post(`/orders/${orderId}/cancel`).set(bearer('user', userId))).status).toBe(200);

    const again = await request(h.app).post(`/orders/${orderId}/cancel`).set(bearer('user', userId));

    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: orderId, status: 'cancelled' });
    expect(h.stock.releaseCallsFor(orderId)).toBe(1);
    expect(stockOf(productId)).toBe(10);
  });

  it('when another user tries to cancel, it answers 404 exactly as for an unknown id, and the order stays confirmed with its stock', async () => {
    const { userId, productId, orderId } = await confirmedOrder(10, 3);
    const stranger = h.addUser();

    const res = await request(h.app).post(`/orders/${orderId}/cancel`).set(bearer('user', stranger));
    const missing = await request(h.app).post(`/orders/${newId()}/cancel`).set(bearer('user', stranger));

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('ORDER.NOT_FOUND');
    expectSameAnswer(res, missing);
    expect(await statusOf(orderId, userId)).toBe('confirmed');
    expect(stockOf(productId)).toBe(7);
    expect(h.stock.released).not.toContain(orderId);
  });

  it('when another user tries to cancel an order that is already cancelled, the answer is the same 404, not its state', async () => {
    const { userId, orderId } = await confirmedOrder(10, 3);
    expect((await request(h.app).post(`/orders/${orderId}/cancel`).set(bearer('user', userId))).status).toBe(200);
    const stranger = h.addUser();

    const res = await request(h.app).post(`/orders/${orderId}/cancel`).set(bearer('user', stranger));

    expectSameAnswer(res, await request(h.app).post(`/orders/${newId()}/cancel`).set(bearer('user', stranger)));
    expect(res.status).toBe(404);
  });

  it("when an admin cancels someone's order, it answers 200 cancelled and the stock is given back", async () => {
    const { userId, productId, orderId } = await confirmedOrder(10, 3);

    const res = await request(h.app).post(`/orders/${orderId}/cancel`).set(bearer('admin'));

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: orderId, userId, status: 'cancelled' });
    expect(stockOf(productId)).toBe(10);
  });

  it('when the owner sends two cancels at once, one releases the stock and answers 200, the other 409 ORDER.CANCEL_IN_PROGRESS, and release is asked once', async () => {
    const { userId, productId, orderId } = await confirmedOrder(10, 3);
    const cancel = () => request(h.app).post(`/orders/${orderId}/cancel`).set(bearer('user', userId));
    // Releases are held until one cancel has answered, so whichever claims the order first is
    // still releasing while the other arrives (if both reached the release, the wait ends after 2 s).
    const letReleasesGo = h.stock.holdReleases();
    const both = [cancel().then((res) => res), cancel().then((res) => res)];
    await Promise.race([...both, new Promise((resolve) => setTimeout(resolve, 2000))]);
    letReleasesGo();
    const responses = await Promise.all(both);

    expect(h.stock.releaseCallsFor(orderId)).toBe(1);
    const [won, lost] = [...responses].sort((a, b) => a.status - b.status);
    expect(won!.status).toBe(200);
    expect(won!.body.status).toBe('cancelled');
    expect(lost!.status).toBe(409);
    expect(lost!.body.code).toBe('ORDER.CANCEL_IN_PROGRESS');
    expect(lost!.headers['retry-after']).toBe('1');
    // Retried as told, the loser gets the cancelled order, and still nothing is released twice.
    const retried = await cancel();
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('cancelled');
    expect(h.stock.releaseCallsFor(orderId)).toBe(1);
    expect(stockOf(productId)).toBe(10);
  });

  it('when the order is still pending, it answers 409 ORDER.NOT_CANCELLABLE and the order is left as it was', async () => {
    const userId = h.addUser();
    const productId = h.addProduct(5);
    h.stock.isDown = true;
    try {
      // Placing while product-service is down leaves a pending order behind (see orders.place.test.ts).
      expect(
        (
          await request(h.app)
            .post('/orders')
            .set(bearer('user', userId))
            .send({ items: [{ productId, quantity: 1 }] })
        ).status,
      ).toBe(503);
    } finally {
      h.stock.isDown = false;
    }
    const list = await request(h.app).get('/orders?status=pending').set(bearer('user', userId));
    expect(list.body.total).toBe(1);
    const orderId = list.body.items[0].id as string;

    const res = await request(h.app).post(`/orders/${orderId}/cancel`).set(bearer('user', userId));

    expect(res.status).toBe(409);
    expect(res.body.code).toBe('ORDER.NOT_CANCELLABLE');
    expect(res.body.detail).toBe('An order that is pending cannot be cancelled');
    expect(await statusOf(orderId, userId)).toBe('pending');
    // Someone else learns nothing of the state: the same 404 as for an unknown id.
    const stranger = h.addUser();
    const theirs = await request(h.app).post(`/orders/${orderId}/cancel`).set(bearer('user', stranger));
    expectSameAnswer(theirs, await request(h.app).post(`/orders/${newId()}/cancel`).set(bearer('user', stranger)));
    expect(theirs.status).toBe(404);
  });

  it('when the order id is unknown, it answers 404 ORDER.NOT_FOUND', async () => {
    const res = await request(h.app)
      .post(`/orders/${'0'.repeat(24)}/cancel`)
      .set(bearer('user', h.addUser()));

    expect(res.status).toBe(404);
    expect(res.body.code).toBe('ORDER.NOT_FOUND');
  });

  it('without a token the answer is 401 and the order stays confirmed', async () => {
    const { userId, orderId } = await confirmedOrder();

    const res = await request(h.app).post(`/orders/${orderId}/cancel`);

    expect(res.status).toBe(401);
    expect(await statusOf(orderId, userId)).toBe('confirmed');
  });

  it('when product-service is down, it answers 503 and the order stays confirmed so it can be retried', async () => {
    const { userId, productId, orderId } = await confirmedOrder(10, 3);

    h.stock.isDown = true;
    try {
      const res = await request(h.app).post(`/orders/${orderId}/cancel`).set(bearer('user', userId));
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('UPSTREAM.UNAVAILABLE');
    } finally {
      h.stock.isDown = false;
    }

    expect(await statusOf(orderId, userId)).toBe('confirmed');
    expect(stockOf(productId)).toBe(7);
    // Once product-service is back, the retry succeeds at once: the failed cancel holds nothing.
    const retry = await request(h.app).post(`/orders/${orderId}/cancel`).set(bearer('user', userId));
    expect(retry.status).toBe(200);
    expect(stockOf(productId)).toBe(10);
  });

  it('when another cancel finishes between this one reading the order and claiming it, this one answers the cancelled order and the stock comes back once', async () => {
    const { userId, productId, orderId } = await confirmedOrder(10, 3);
    let isOtherCancelDone = false;
    // This cancel reads the order as confirmed; the other one then runs to the end before this one claims it.
    const orders: OrderStore = {
      ...h.orders,
      findById: async (id) => {
        const read = await h.orders.findById(id);
        if (!isOtherCancelDone) {
          isOtherCancelDone = true;
          expect((await request(h.app).post(`/orders/${orderId}/cancel`).set(bearer('user', userId))).status).toBe(200);
        }
        return read;
      },
    };

    const order = await cancelOrder(
      { orders, stock: h.stock, orderMetrics: h.orderMetrics },
      { id: userId, role: 'user' },
      orderId,
    );

    expect(order).toMatchObject({ id: orderId, status: 'cancelled' });
    expect(h.stock.releaseCallsFor(orderId)).toBe(1);
    expect(stockOf(productId)).toBe(10);
  });

  it('when the sweep finishes a cancel while its release is still in flight, that cancel answers 200 with the cancelled order and the stock comes back once', async () => {
    const { userId, productId, orderId } = await confirmedOrder(10, 3);
    const letReleaseGo = h.stock.holdNextRelease();
    const cancelling = request(h.app)
      .post(`/orders/${orderId}/cancel`)
      .set(bearer('user', userId))
      .then((res) => res);
    await vi.waitFor(() => expect(h.stock.releaseCallsFor(orderId)).toBe(1));

    // Judged long after the cancel started, the sweep releases again and marks the order cancelled.
    await sweepStaleOrders(
      { orders: h.orders, stock: h.stock, logger: testLogger, orderMetrics: h.orderMetrics },
      { timeoutMs: 60_000, now: new Date(Date.now() + 120_000) },
    );
    expect(await statusOf(orderId, userId)).toBe('cancelled');
    letReleaseGo();
    const res = await cancelling;

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: orderId, userId, status: 'cancelled' });
    expect(stockOf(productId)).toBe(10);
  });
});

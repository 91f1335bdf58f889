import { bearer, testLogger } from '@shop/test-support';
import { placeOrder } from '../src/domain/place-order.use-case';
import type { OrderStore } from '../src/domain/order';
import { orderExpired, orderPlaced } from '../src/domain/order-events';
import type { StockReservations } from '../src/domain/stock-reservations';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.database.close());

describe('POST /orders', () => {
  it('when stock is available, the order is confirmed with exact prices and the stock is taken', async () => {
    const userId = h.addUser();
    const cheap = h.addProduct(10, 10, 'Dime');
    const dear = h.addProduct(10, 1999, 'Book');
    const res = await request(h.app)
      .post('/orders')
      .set(bearer('user', userId))
      .send({
        items: [
          { productId: cheap, quantity: 3 },
          { productId: dear, quantity: 1 },
        ],
      });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/orders/${res.body.id}`);
    expect(res.body).toMatchObject({ userId, status: 'confirmed', total: 20.29 });
    expect(res.body.items).toContainEqual({
      productId: cheap,
      name: 'Dime',
      quantity: 3,
      unitPrice: 0.1,
      lineTotal: 0.3,
    });
    expect(h.stock.products.get(cheap)?.stock).toBe(7);
  });

  it('when the same Idempotency-Key is sent again, the same order is returned and stock is taken once', async () => {
    const userId = h.addUser();
    const product = h.addProduct(5);
    const send = () =>
      request(h.app)
        .post('/orders')
        .set(bearer('user', userId))
        .set('Idempotency-Key', 'key-1')
        .send({ items: [{ productId: product, quantity: 2 }] });
    const first = await send();
    const second = await send();
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    expect(h.stock.products.get(product)?.stock).toBe(3);
  });

  it('when one key is sent five times at once, exactly one order is created', async () => {
    const userId = h.addUser();
    const product = h.addProduct(50);
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        request(h.app)
          .post('/orders')
          .set(bearer('user', userId))
          .set('Idempotency-Key', 'burst')
          .send({ items: [{ productId: product, quantity: 1 }] }),
      ),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of responses) expect([200, 201, 409]).toContain(r.status);
    const list = await request(h.app).get('/orders').set(bearer('user', userId));
    expect(list.body.total).toBe(1);
    expect(h.stock.products.get(product)?.stock).toBe(49);
  });

  it('when a key is reused for different items, the order is refused with 422', async () => {
    const userId = h.addUser();
    const product = h.addProduct(5);
    const send = (quantity: number) =>
      request(h.app)
        .post('/orders')
        .set(bearer('user', userId))
        .set('Idempotency-Key', 'reused')
        .send({ items: [{ productId: product, quantity }] });
    expect((await send(1)).status).toBe(201);
    const res = await send(2);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('ORDER.IDEMPOTENCY_KEY_REUSED');
  });

  it('when stock is short, the order is rejected with 409 naming the product and nothing is kept', async () => {
    const userId = h.addUser();
    const product = h.addProduct(1, 500, 'Rare lamp');
    const res = await request(h.app)
      .post('/orders')
      .set(bearer('user', userId))
      .send({ items: [{ productId: product, quantity: 2 }] });
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'STOCK.INSUFFICIENT', productId: product });
    expect(res.body.detail).toContain('Rare lamp');
    expect((await request(h.app).get('/orders').set(bearer('user', userId))).body.total).toBe(0);
  });

  it('when a product does not exist, the order is rejected with 422', async () => {
    const userId = h.addUser();
    const res = await request(h.app)
      .post('/orders')
      .set(bearer('user', userId))
      .send({ items: [{ productId: 'f'.repeat(24), quantity: 1 }] });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('PRODUCT.NOT_FOUND');
  });

  it('when the account no longer exists, the order is rejected with 422 and no stock is taken', async () => {
    const product = h.addProduct(3);
    const res = await request(h.app)
      .post('/orders')
      .set(bearer('user'))
      .send({ items: [{ productId: product, quantity: 1 }] });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('USER.NOT_FOUND');
    expect(h.stock.products.get(product)?.stock).toBe(3);
  });

  it('when product-service is down, the answer is 503 and the order is kept pending, since a reservation it cannot release may exist', async () => {
    const userId = h.addUser();
    const product = h.addProduct(3);
    h.stock.isDown = true;
    try {
      const res = await request(h.app)
        .post('/orders')
        .set(bearer('user', userId))
        .send({ items: [{ productId: product, quantity: 1 }] });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('UPSTREAM.UNAVAILABLE');
      expect(res.body.detail).not.toMatch(/http|127\.0\.0\.1/);
    } finally {
      h.stock.isDown = false;
    }
    // The compensation could not reach product-service either, so the pending order stays: it is
    // how the sweep finds the reservation later (orders.sweep.test.ts). Deleting it would lose that.
    const list = await request(h.app).get('/orders').set(bearer('user', userId));
    expect(list.body.items.map((o: { status: string }) => o.status)).toEqual(['pending']);
  });

  it("while product-service's circuit is open, a new order fails fast with 503 and leaves nothing, but a replay is still answered", async () => {
    const userId = h.addUser();
    const product = h.addProduct(5);
    const send = (key: string) =>
      request(h.app)
        .post('/orders')
        .set(bearer('user', userId))
        .set('Idempotency-Key', key)
        .send({ items: [{ productId: product, quantity: 1 }] });
    const placed = await send('before-outage');
    h.stock.isCircuitOpen = true;
    try {
      const refused = await send('during-outage');
      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe('UPSTREAM.CIRCUIT_OPEN');
      expect(refused.headers['retry-after']).toBe('5');
      const replayed = await send('before-outage');
      expect(replayed.status).toBe(200);
      expect(replayed.body.id).toBe(placed.body.id);
    } finally {
      h.stock.isCircuitOpen = false;
    }
    const list = await request(h.app).get('/orders').set(bearer('user', userId));
    expect(list.body.items.map((o: { status: string }) => o.status)).toEqual(['confirmed']);
  });

  it("while product-service's circuit is open, a retry of an order an outage left pending answers 503 CIRCUIT_OPEN and leaves the order as it was", async () => {
    const userId = h.addUser();
    const product = h.addProduct(5);
    const send = () =>
      request(h.app)
        .post('/orders')
        .set(bearer('user', userId))
        .set('Idempotency-Key', 'left-pending')
        .send({ items: [{ productId: product, quantity: 1 }] });
    h.stock.isDown = true;
    try {
      expect((await send()).status).toBe(503);
    } finally {
      h.stock.isDown = false;
    }
    h.stock.isCircuitOpen = true;
    let retried;
    try {
      retried = await send();
    } finally {
      h.stock.isCircuitOpen = false;
    }

    expect(retried.status).toBe(503);
    expect(retried.body.code).toBe('UPSTREAM.CIRCUIT_OPEN');
    expect(retried.headers['retry-after']).toBe('5');
    const list = await request(h.app).get('/orders').set(bearer('user', userId));
    expect(list.body.items.map((o: { status: string }) => o.status)).toEqual(['pending']);
  });

  it('without a token the answer is 401, and a service token cannot place orders (403)', async () => {
    const body = { items: [{ productId: h.addProduct(1), quantity: 1 }] };
    expect((await request(h.app).post('/orders').send(body)).status).toBe(401);
    expect((await request(h.app).post('/orders').set(bearer('service')).send(body)).status).toBe(403);
  });
});

describe('placeOrder when saving the confirmation fails', () => {
  it('if the confirmation was written before the error, the order stands and its stock is kept', async () => {
    const userId = h.addUser();
    const product = h.addProduct(5);
    const orders = {
      ...h.orders,
      confirm: async (...args: Parameters<typeof h.orders.confirm>) => {
        await h.orders.confirm(...args);
        throw new Error('connection lost after the write');
      },
    };

    const { order, isNew } = await placeOrder(
      { orders, users: h.users, stock: h.stock, logger: testLogger, orderMetrics: h.orderMetrics },
      { userId, idempotencyKey: 'lost-ack', items: [{ productId: product, quantity: 2 }] },
    );

    expect(order.status).toBe('confirmed');
    expect(isNew).toBe(true); // answered 201 Created, not as a replay
    expect(h.stock.products.get(product)?.stock).toBe(3);
    expect(h.stock.released).not.toContain(order.id);
  });

  it('if the confirmation was not written, the reservation is released and no order is left', async () => {
    const userId = h.addUser();
    const product = h.addProduct(5);
    const orders = {
      ...h.orders,
      confirm: async () => {
        throw new Error('write failed');
      },
    };

    await expect(
      placeOrder(
        { orders, users: h.users, stock: h.stock, logger: testLogger, orderMetrics: h.orderMetrics },
        { userId, idempotencyKey: 'failed-write', items: [{ productId: product, quantity: 2 }] },
      ),
    ).rejects.toThrow('write failed');

    expect(h.stock.products.get(product)?.stock).toBe(5);
    expect((await request(h.app).get('/orders').set(bearer('user', userId))).body.total).toBe(0);
  });

  it('if the database cannot say whether the confirmation was written, the stock is kept and the order left pending for the sweep', async () => {
    const userId = h.addUser();
    const product = h.addProduct(5);
    const unreachable = async () => {
      throw new Error('database unreachable');
    };
    const orders: OrderStore = {
      ...h.orders,
      confirm: async () => {
        throw new Error('write failed');
      },
      abandonPending: unreachable,
      findById: unreachable,
    };

    await expect(
      placeOrder(
        { orders, users: h.users, stock: h.stock, logger: testLogger, orderMetrics: h.orderMetrics },
        { userId, idempotencyKey: 'unknown-state', items: [{ productId: product, quantity: 2 }] },
      ),
    ).rejects.toThrow('write failed');

    expect(h.stock.products.get(product)?.stock).toBe(3);
    const list = await request(h.app).get('/orders').set(bearer('user', userId));
    expect(list.body.items.map((o: { status: string }) => o.status)).toEqual(['pending']);
  });
});

describe('placeOrder when it loses a race', () => {
  it('when the sweep gives up on the order while its reservation is in flight, the order is not confirmed: the stock is released and no order is left', async () => {
    const userId = h.addUser();
    const product = h.addProduct(5);
    const stock: StockReservations = {
      assertAvailable: () => h.stock.assertAvailable(),
      release: (orderId) => h.stock.release(orderId),
      reserve: async (orderId, items) => {
        const priced = await h.stock.reserve(orderId, items);
        await h.orders.abandonPending(orderId); // what a sweep round does first to a stale order
        return priced;
      },
    };

    await expect(
      placeOrder(
        { orders: h.orders, users: h.users, stock, logger: testLogger, orderMetrics: h.orderMetrics },
        { userId, idempotencyKey: 'swept', items: [{ productId: product, quantity: 2 }] },
      ),
    ).rejects.toThrow();

    expect(h.stock.products.get(product)?.stock).toBe(5);
    expect((await request(h.app).get('/orders').set(bearer('user', userId))).body.total).toBe(0);
  });

  it('when the attempt holding its key fails and frees the key just as a retry is refused it, the retry answers 409 ORDER.IN_PROGRESS and takes no stock', async () => {
    const userId = h.addUser();
    const product = h.addProduct(5);
    const items = [{ productId: product, quantity: 1 }];
    const holder = await h.orders.insertPending({ userId, idempotencyKey: 'freed', items, event: orderPlaced(items) });
    if (holder === null) throw new Error('the idempotency key was already taken');
    const orders: OrderStore = {
      ...h.orders,
      insertPending: async (input) => {
        const inserted = await h.orders.insertPending(input);
        await h.orders.expirePending(holder.id, orderExpired(holder)); // the earlier attempt fails and frees the key
        return inserted;
      },
    };

    await expect(
      placeOrder(
        { orders, users: h.users, stock: h.stock, logger: testLogger, orderMetrics: h.orderMetrics },
        { userId, idempotencyKey: 'freed', items },
      ),
    ).rejects.toMatchObject({ code: 'ORDER.IN_PROGRESS', status: 409 });

    expect(h.stock.products.get(product)?.stock).toBe(5);
  });
});

import { bearer, newId } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProductRepository } from '../src/data-access/product.repository';
import { createReservationRepository } from '../src/data-access/reservation.repository';
import { expectProblem, expectSameAnswer, startTestApi, type TestApi } from './api-client';

interface Line {
  productId: string;
  quantity: number;
}

describe('POST /reservations', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const reserve = (orderId: string, items: Line[], role: 'service' | 'admin' | 'user' = 'service') =>
    api.http.post('/reservations').set(bearer(role)).send({ orderId, items });
  const stockOf = async (id: string) => (await api.getProduct(id)).stock;

  it('when every line has stock, answers 201 with name and price snapshots and takes the stock', async () => {
    const a = await api.createProduct({ stock: 5, price: 19.99 });
    const b = await api.createProduct({ stock: 2, price: 0.1 });
    const orderId = newId();

    const response = await reserve(orderId, [
      { productId: a.id, quantity: 2 },
      { productId: b.id, quantity: 2 },
    ]);

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      orderId,
      status: 'reserved',
      items: expect.arrayContaining([
        { productId: a.id, name: a.name, quantity: 2, unitPrice: 19.99 },
        { productId: b.id, name: b.name, quantity: 2, unitPrice: 0.1 },
      ]) as unknown,
    });
    expect(await stockOf(a.id)).toBe(3);
    expect(await stockOf(b.id)).toBe(0);
  });

  it('when it succeeds, each line is committed to sold on the product and no hold is left', async () => {
    const product = await api.createProduct({ stock: 5 });

    expect((await reserve(newId(), [{ productId: product.id, quantity: 2 }])).status).toBe(201);

    expect(await api.getInventory(product.id)).toEqual({
      productId: product.id,
      stock: 3,
      held: 0,
      sold: 2,
      holdCount: 0,
    });
  });

  it('when an admin calls it, the reservation is accepted too', async () => {
    const product = await api.createProduct({ stock: 1 });

    const response = await reserve(newId(), [{ productId: product.id, quantity: 1 }], 'admin');

    expect(response.status).toBe(201);
  });

  it('when the second line is short, answers 409 naming it and restores the first line', async () => {
    const plenty = await api.createProduct({ stock: 10 });
    const scarce = await api.createProduct({ stock: 1 });
    // Lines are taken in productId order; `plenty` was created first, so its id sorts first and is taken before the short line.
    const orderId = newId();

    const response = await reserve(orderId, [
      { productId: plenty.id, quantity: 3 },
      { productId: scarce.id, quantity: 2 },
    ]);

    const problem = expectProblem(response, 409, 'STOCK.INSUFFICIENT');
    expect(problem.productId).toBe(scarce.id);
    expect(problem.detail).toContain(scarce.name);
    expect(await api.getInventory(plenty.id)).toMatchObject({ stock: 10, held: 0, sold: 0 });
    expect(await stockOf(scarce.id)).toBe(1);
  });

  it('when a reservation failed for short stock, the same key can be retried once stock arrives', async () => {
    const product = await api.createProduct({ stock: 1 });
    const orderId = newId();
    expectProblem(await reserve(orderId, [{ productId: product.id, quantity: 2 }]), 409, 'STOCK.INSUFFICIENT');
    await api.http.patch(`/products/${product.id}/stock`).set(bearer('admin')).send({ quantity: 1 });

    const response = await reserve(orderId, [{ productId: product.id, quantity: 2 }]);

    expect(response.status).toBe(201);
    expect(await stockOf(product.id)).toBe(0);
  });

  it('when a product does not exist, answers 404 naming it and takes nothing', async () => {
    const product = await api.createProduct({ stock: 4 });
    const missing = newId();

    const response = await reserve(newId(), [
      { productId: product.id, quantity: 1 },
      { productId: missing, quantity: 1 },
    ]);

    const problem = expectProblem(response, 404, 'PRODUCT.NOT_FOUND');
    expect(problem.productId).toBe(missing);
    expect(await stockOf(product.id)).toBe(4);
  });

  it('when the same key is replayed with the same items, answers 200 with the stored result and takes stock once', async () => {
    const product = await api.createProduct({ stock: 5 });
    const orderId = newId();
    const items = [{ productId: product.id, quantity: 2 }];
    const first = await reserve(orderId, items);

    const replay = await reserve(orderId, items);

    expect(first.status).toBe(201);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect(await api.getInventory(product.id)).toMatchObject({ stock: 3, held: 0, sold: 2 });
  });

  it('when 5 identical calls arrive at once, exactly one takes the stock and none double-count', async () => {
    const product = await api.createProduct({ stock: 10 });
    const orderId = newId();
    const items = [{ productId: product.id, quantity: 3 }];

    const responses = await Promise.all(Array.from({ length: 5 }, () => reserve(orderId, items)));

    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.every((status) => [200, 201, 409].includes(status))).toBe(true);
    for (const response of responses.filter((r) => r.status === 409))
      expectProblem(response, 409, 'RESERVATION.IN_PROGRESS');
    expect(await api.getInventory(product.id)).toMatchObject({ stock: 7, held: 0, sold: 3 });
  });

  it('when the same key comes with different items, answers 409 RESERVATION.MISMATCH and changes nothing', async () => {
    const product = await api.createProduct({ stock: 5 });
    const orderId = newId();
    await reserve(orderId, [{ productId: product.id, quantity: 1 }]);

    const response = await reserve(orderId, [{ productId: product.id, quantity: 2 }]);

    expectProblem(response, 409, 'RESERVATION.MISMATCH');
    expect(await stockOf(product.id)).toBe(4);
  });

  it('when 50 orders compete for 10 units at once, exactly 10 are reserved and the product balances', async () => {
    const product = await api.createProduct({ stock: 10 });

    const responses = await Promise.all(
      Array.from({ length: 50 }, () => reserve(newId(), [{ productId: product.id, quantity: 1 }])),
    );

    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    for (const response of responses.filter((r) => r.status !== 201))
      expectProblem(response, 409, 'STOCK.INSUFFICIENT');
    expect(await api.getInventory(product.id)).toEqual({
      productId: product.id,
      stock: 0,
      held: 0,
      sold: 10,
      holdCount: 0,
    });
  });

  it('when many orders compete for the last units, stock never goes below zero', async () => {
    const product = await api.createProduct({ stock: 3 });

    const responses = await Promise.all(
      Array.from({ length: 10 }, () => reserve(newId(), [{ productId: product.id, quantity: 1 }])),
    );

    expect(responses.filter((response) => response.status === 201)).toHaveLength(3);
    expect(await stockOf(product.id)).toBe(0);
  });

  it('when the caller is a user, answers 403 and takes nothing', async () => {
    const product = await api.createProduct({ stock: 5 });

    const response = await reserve(newId(), [{ productId: product.id, quantity: 1 }], 'user');

    expectProblem(response, 403, 'AUTH.FORBIDDEN');
    expect(await stockOf(product.id)).toBe(5);
  });

  it('when the caller is a user, the answer for an order id already reserved is the same 403 as for a new one', async () => {
    const product = await api.createProduct({ stock: 5 });
    const taken = newId();
    const items = [{ productId: product.id, quantity: 1 }];
    expect((await reserve(taken, items)).status).toBe(201);

    const replay = await reserve(taken, items, 'user');
    const mismatch = await reserve(taken, [{ productId: product.id, quantity: 2 }], 'user');
    const fresh = await reserve(newId(), items, 'user');

    expectProblem(fresh, 403, 'AUTH.FORBIDDEN');
    expectSameAnswer(replay, fresh);
    expectSameAnswer(mismatch, fresh);
    expect(await stockOf(product.id)).toBe(4);
  });

  it('when there is no token, answers 401', async () => {
    const response = await api.http.post('/reservations').send({ orderId: newId(), items: [] });

    expectProblem(response, 401, 'AUTH.UNAUTHORIZED');
  });

  it.each([
    ['no items', []],
    ['a quantity of zero', [{ productId: newId(), quantity: 0 }]],
    ['a quantity above 1000', [{ productId: newId(), quantity: 1001 }]],
    [
      'a duplicate productId',
      [
        { productId: 'aaaaaaaaaaaaaaaaaaaaaaaa', quantity: 1 },
        { productId: 'AAAAAAAAAAAAAAAAAAAAAAAA', quantity: 1 },
      ],
    ],
    ['an invalid productId', [{ productId: 'nope', quantity: 1 }]],
    ['more than 100 lines', Array.from({ length: 101 }, () => ({ productId: newId(), quantity: 1 }))],
  ])('when the body has %s, answers 400', async (_label, items) => {
    const response = await reserve(newId(), items);

    expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
  });
});

describe('the reservations and products collections', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it.each([
    ['a negative unit price', { quantity: 1, name: 'Lamp', unitPriceCents: -500 }],
    ['a unit price of zero', { quantity: 1, name: 'Lamp', unitPriceCents: 0 }],
    ['a fractional unit price', { quantity: 1, name: 'Lamp', unitPriceCents: 19.5 }],
    ['a quantity of zero', { quantity: 0, name: 'Lamp', unitPriceCents: 500 }],
  ])('refuse to mark a reservation reserved with %s, and it stays pending', async (_label, line) => {
    const reservations = createReservationRepository(api.db.connection);
    const orderId = newId();
    const productId = newId();
    expect(await reservations.claim(orderId, [{ productId, quantity: 1 }], 'lease-1')).toBe(true);

    await expect(reservations.markReserved(orderId, 'lease-1', [{ productId, ...line }])).rejects.toMatchObject({
      name: 'ValidationError',
    });

    expect((await reservations.findById(orderId))?.status).toBe('pending');
  });

  it.each([
    ['a negative price', -100],
    ['a fractional price', 1999.5],
  ])('refuse to update a product to %s, and it keeps its price', async (_label, priceCents) => {
    const products = createProductRepository(api.db.connection);
    const product = await api.createProduct({ price: 19.99 });

    await expect(products.update(product.id, { priceCents })).rejects.toMatchObject({ name: 'ValidationError' });

    expect((await api.getProduct(product.id)).price).toBe(19.99);
  });
});

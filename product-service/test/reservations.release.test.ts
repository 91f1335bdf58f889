import { bearer, newId } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, expectSameAnswer, startTestApi, type TestApi } from './api-client';

describe('POST /reservations/:orderId/release', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const reserve = (orderId: string, productId: string, quantity: number) =>
    api.http
      .post('/reservations')
      .set(bearer('service'))
      .send({ orderId, items: [{ productId, quantity }] });
  const release = (orderId: string, role: 'service' | 'admin' | 'user' = 'service') =>
    api.http.post(`/reservations/${orderId}/release`).set(bearer(role));
  const stockOf = async (id: string) => (await api.getProduct(id)).stock;

  it('when the reservation is reserved, answers 200 and gives the stock back', async () => {
    const product = await api.createProduct({ stock: 5 });
    const orderId = newId();
    expect((await reserve(orderId, product.id, 4)).status).toBe(201);

    const response = await release(orderId);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ orderId, status: 'released' });
    expect(await api.getInventory(product.id)).toEqual({
      productId: product.id,
      stock: 5,
      held: 0,
      sold: 0,
      holdCount: 0,
    });
  });

  it('when released twice, the second release answers 200 and changes nothing', async () => {
    const product = await api.createProduct({ stock: 5 });
    const orderId = newId();
    await reserve(orderId, product.id, 2);
    await release(orderId);

    const second = await release(orderId);

    expect(second.status).toBe(200);
    expect(second.body).toEqual({ orderId, status: 'released' });
    expect(await api.getInventory(product.id)).toMatchObject({ stock: 5, held: 0, sold: 0 });
  });

  it('when 5 releases arrive at once, the stock is given back exactly once', async () => {
    const product = await api.createProduct({ stock: 5 });
    const orderId = newId();
    await reserve(orderId, product.id, 3);

    const responses = await Promise.all(Array.from({ length: 5 }, () => release(orderId)));

    expect(responses.every((response) => [200, 409].includes(response.status))).toBe(true);
    expect(responses.some((response) => response.status === 200)).toBe(true);
    expect(await api.getInventory(product.id)).toMatchObject({ stock: 5, held: 0, sold: 0 });
  });

  it('when the order id is unknown, answers 200 and a later reserve with that id is refused with 409 RESERVATION.RELEASED', async () => {
    const product = await api.createProduct({ stock: 5 });
    const orderId = newId();

    const released = await release(orderId);
    const late = await reserve(orderId, product.id, 1);

    expect(released.status).toBe(200);
    expect(released.body).toEqual({ orderId, status: 'released' });
    expectProblem(late, 409, 'RESERVATION.RELEASED');
    expect(await stockOf(product.id)).toBe(5);
  });

  it('when a released reservation is reserved again with the same items, answers 409 RESERVATION.RELEASED', async () => {
    const product = await api.createProduct({ stock: 5 });
    const orderId = newId();
    await reserve(orderId, product.id, 1);
    await release(orderId);

    const again = await reserve(orderId, product.id, 1);

    expectProblem(again, 409, 'RESERVATION.RELEASED');
    expect(await stockOf(product.id)).toBe(5);
  });

  it('when the caller is a user, answers 403 and the stock stays reserved', async () => {
    const product = await api.createProduct({ stock: 5 });
    const orderId = newId();
    await reserve(orderId, product.id, 2);

    const response = await release(orderId, 'user');

    expectProblem(response, 403, 'AUTH.FORBIDDEN');
    expect(await api.getInventory(product.id)).toMatchObject({ stock: 3, sold: 2 });
  });

  it('when a reservation of two products is released, each gets its units back and their sold count drops', async () => {
    const a = await api.createProduct({ stock: 5 });
    const b = await api.createProduct({ stock: 7 });
    const orderId = newId();
    const reserved = await api.http
      .post('/reservations')
      .set(bearer('service'))
      .send({
        orderId,
        items: [
          { productId: a.id, quantity: 2 },
          { productId: b.id, quantity: 3 },
        ],
      });
    expect(reserved.status).toBe(201);

    expect((await release(orderId)).status).toBe(200);

    expect(await api.getInventory(a.id)).toMatchObject({ stock: 5, held: 0, sold: 0, holdCount: 0 });
    expect(await api.getInventory(b.id)).toMatchObject({ stock: 7, held: 0, sold: 0, holdCount: 0 });
  });

  it('when the caller is a user, the same 403 answers whether the reservation is reserved, released, unknown or malformed, and nothing is looked up or written', async () => {
    const product = await api.createProduct({ stock: 5 });
    const reserved = newId();
    const released = newId();
    const unknown = newId();
    await reserve(reserved, product.id, 2);
    await reserve(released, product.id, 1);
    await release(released);

    const answers = await Promise.all(
      [reserved, released, unknown, 'not-an-id'].map((orderId) => release(orderId, 'user')),
    );

    expectProblem(answers[0]!, 403, 'AUTH.FORBIDDEN');
    for (const answer of answers.slice(1)) expectSameAnswer(answer, answers[0]!);
    expect(await stockOf(product.id)).toBe(3);
    // No tombstone was written for the unknown id: a service can still reserve with it.
    expect((await reserve(unknown, product.id, 1)).status).toBe(201);
  });

  it('when the order id is not an ObjectId, answers 400', async () => {
    const response = await release('not-an-id');

    expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
  });
});

import { bearer } from '@shop/test-support';
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LINES } from '../src/domain/order.schemas';
import { createHarness, type Harness } from './harness';

const BODY_LIMIT_BYTES = 100 * 1024;

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.database.close());

/** A problem+json answer with the given status and code, carrying no internals. */
function expectProblem(res: Response, status: number, code?: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code: expect.any(String), requestId: expect.any(String) });
  if (code !== undefined) expect(res.body.code).toBe(code);
  expect(res.text).not.toMatch(/at .*\.ts/);
  expect(res.body.stack).toBeUndefined();
}

/** A validation problem whose errors[] names each given path (in any order, possibly among others). */
function expectFieldErrors(res: Response, code: string, ...paths: string[]): void {
  expectProblem(res, 400, code);
  expect(Array.isArray(res.body.errors)).toBe(true);
  expect(res.body.errors.length).toBeGreaterThan(0);
  const reported = (res.body.errors as { path: string }[]).map((error) => error.path);
  for (const path of paths) expect(reported).toContain(path);
}

/** POST /orders as a fresh known user. */
function placeAs(userId: string) {
  return request(h.app).post('/orders').set(bearer('user', userId));
}

describe('POST /orders with bad input', () => {
  it('when the body is malformed JSON, it answers 400 REQUEST.MALFORMED_JSON and no order is placed', async () => {
    const userId = h.addUser();

    const res = await placeAs(userId).set('content-type', 'application/json').send('{"items": [{"productId": ');

    expectProblem(res, 400, 'REQUEST.MALFORMED_JSON');
    expect((await request(h.app).get('/orders').set(bearer('user', userId))).body.total).toBe(0);
  });

  it('when quantity is a string, it answers 400 with errors[] naming the field and no stock is taken', async () => {
    const productId = h.addProduct(5);

    const res = await placeAs(h.addUser()).send({ items: [{ productId, quantity: '2' }] });

    expectFieldErrors(res, 'REQUEST.VALIDATION_FAILED', 'body.items.0.quantity');
    expect(h.stock.products.get(productId)?.stock).toBe(5);
  });

  it('when items is not an array and productId is a number, it answers 400 naming each field', async () => {
    const first = await placeAs(h.addUser()).send({ items: 'everything' });
    const second = await placeAs(h.addUser()).send({ items: [{ productId: 42, quantity: 1 }] });

    expectFieldErrors(first, 'REQUEST.VALIDATION_FAILED', 'body.items');
    expectFieldErrors(second, 'REQUEST.VALIDATION_FAILED', 'body.items.0.productId');
  });

  it('when the body has an unknown field, it answers 400 naming it and no stock is taken', async () => {
    const productId = h.addProduct(5);

    const res = await placeAs(h.addUser()).send({ items: [{ productId, quantity: 1 }], discount: 5 });

    expectFieldErrors(res, 'REQUEST.VALIDATION_FAILED');
    expect(JSON.stringify(res.body.errors)).toContain('discount');
    expect(h.stock.products.get(productId)?.stock).toBe(5);
  });

  it('when lines for one product add up to more than 1000 units, it answers 400 and no stock is taken', async () => {
    const productId = h.addProduct(5000);

    const res = await placeAs(h.addUser()).send({
      items: [
        { productId, quantity: 1000 },
        { productId, quantity: 1 },
      ],
    });

    expectFieldErrors(res, 'REQUEST.VALIDATION_FAILED', 'body.items');
    expect(h.stock.products.get(productId)?.stock).toBe(5000);
  });

  it('when the body is nested thousands of levels deep, it answers 400 rather than failing with 500', async () => {
    const deep = `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`;

    const res = await placeAs(h.addUser()).set('content-type', 'application/json').send(deep);

    expectProblem(res, 400, 'REQUEST.OPERATOR_KEYS');
    expect(res.body.errors[0].message).toMatch(/nesting deeper than/);
  });

  it('when a $-operator is smuggled into the body, it answers 400 REQUEST.OPERATOR_KEYS', async () => {
    const res = await placeAs(h.addUser())
      .set('content-type', 'application/json')
      .send('{"items":[{"productId":{"$ne":null},"quantity":1}]}');

    expectFieldErrors(res, 'REQUEST.OPERATOR_KEYS', 'items.0.productId.$ne');
  });

  it('when a $-operator is smuggled into the query string of GET /orders, it answers 400', async () => {
    const userId = h.addUser();

    const bracketed = await request(h.app).get('/orders?status[$ne]=x').set(bearer('user', userId));
    const bare = await request(h.app).get('/orders?$where=1').set(bearer('user', userId));

    // The simple query parser keeps `status[$ne]` as one literal key; it is refused as an operator key.
    expectFieldErrors(bracketed, 'REQUEST.OPERATOR_KEYS');
    expect(JSON.stringify(bracketed.body.errors)).toContain('status[$ne]');
    expectFieldErrors(bare, 'REQUEST.OPERATOR_KEYS');
  });

  it('when a product id is not an ObjectId, it answers 400 naming the field', async () => {
    const res = await placeAs(h.addUser()).send({ items: [{ productId: 'not-an-id', quantity: 1 }] });

    expectFieldErrors(res, 'REQUEST.VALIDATION_FAILED', 'body.items.0.productId');
  });

  it('when /orders/:id is not an ObjectId, it answers 400 naming the parameter', async () => {
    const res = await request(h.app).get('/orders/not-an-id').set(bearer('user', h.addUser()));
    const cancel = await request(h.app).post('/orders/not-an-id/cancel').set(bearer('user', h.addUser()));

    expectFieldErrors(res, 'REQUEST.VALIDATION_FAILED', 'params.id');
    expectFieldErrors(cancel, 'REQUEST.VALIDATION_FAILED', 'params.id');
  });

  it.each([0, 1001, -1, 1.5])(
    'when quantity is %s, it answers 400 naming the field and no stock is taken',
    async (quantity) => {
      const productId = h.addProduct(5000);

      const res = await placeAs(h.addUser()).send({ items: [{ productId, quantity }] });

      expectFieldErrors(res, 'REQUEST.VALIDATION_FAILED', 'body.items.0.quantity');
      expect(h.stock.products.get(productId)?.stock).toBe(5000);
    },
  );

  it('when items is empty, it answers 400 naming items', async () => {
    const res = await placeAs(h.addUser()).send({ items: [] });

    expectFieldErrors(res, 'REQUEST.VALIDATION_FAILED', 'body.items');
  });

  it('when the body is missing, it answers 400 naming items', async () => {
    const res = await placeAs(h.addUser());

    expectFieldErrors(res, 'REQUEST.VALIDATION_FAILED', 'body.items');
  });

  it(`when there are more than ${MAX_LINES} lines, it answers 400 naming items and no stock is taken`, async () => {
    const productIds = Array.from({ length: MAX_LINES + 1 }, () => h.addProduct(5));

    const res = await placeAs(h.addUser()).send({ items: productIds.map((productId) => ({ productId, quantity: 1 })) });

    expectFieldErrors(res, 'REQUEST.VALIDATION_FAILED', 'body.items');
    for (const productId of productIds) expect(h.stock.products.get(productId)?.stock).toBe(5);
  });

  it('when the body is larger than the limit, it answers 413 REQUEST.TOO_LARGE', async () => {
    const productId = h.addProduct(5);

    const res = await placeAs(h.addUser()).send({
      items: [{ productId, quantity: 1 }],
      padding: 'x'.repeat(BODY_LIMIT_BYTES + 1),
    });

    expectProblem(res, 413, 'REQUEST.TOO_LARGE');
    expect(h.stock.products.get(productId)?.stock).toBe(5);
  });

  it('when the body is text/plain, it answers 415', async () => {
    const res = await placeAs(h.addUser()).set('content-type', 'text/plain').send('items=1');

    expectProblem(res, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
  });

  it.each([
    ['300 characters long', 'k'.repeat(300)],
    ['containing a space', 'two words'],
  ])('when the Idempotency-Key is %s, it answers 400 naming the header and places no order', async (_label, key) => {
    const userId = h.addUser();
    const productId = h.addProduct(5);

    const res = await placeAs(userId)
      .set('Idempotency-Key', key)
      .send({ items: [{ productId, quantity: 1 }] });

    expectFieldErrors(res, 'REQUEST.VALIDATION_FAILED', 'headers.idempotency-key');
    expect(h.stock.products.get(productId)?.stock).toBe(5);
    expect((await request(h.app).get('/orders').set(bearer('user', userId))).body.total).toBe(0);
  });

  it('when the query has bad pagination or an unknown status, GET /orders answers 400 naming the field', async () => {
    const userId = h.addUser();

    const badLimit = await request(h.app).get('/orders?limit=0').set(bearer('user', userId));
    const badStatus = await request(h.app).get('/orders?status=shipped').set(bearer('user', userId));

    expectFieldErrors(badLimit, 'REQUEST.VALIDATION_FAILED', 'query.limit');
    expectFieldErrors(badStatus, 'REQUEST.VALIDATION_FAILED', 'query.status');
  });
});

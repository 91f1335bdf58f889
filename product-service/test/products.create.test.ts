import { Types } from 'mongoose';
import { bearer } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, startTestApi, type ProductBody, type TestApi } from './api-client';
import { buildProduct } from './builders';

describe('POST /products', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('when an admin sends a valid product, answers 201 with the stored product', async () => {
    const input = buildProduct({ price: 42.1, stock: 3 });

    const response = await api.http.post('/products').set(bearer('admin')).send(input);

    expect(response.status).toBe(201);
    const body = response.body as ProductBody;
    expect(body).toMatchObject(input);
    expect(response.headers.location).toBe(`/products/${body.id}`);
    expect(await api.getProduct(body.id)).toEqual(body);
  });

  // Found by schemathesis: the route counted characters, the model UTF-16 units, so this was a 500.
  it('when name, description and category are at their length limits in emoji (two UTF-16 units each), answers 201 with them', async () => {
    const emoji = (count: number) => '\u{1F4E6}'.repeat(count);
    const input = buildProduct({ name: emoji(200), description: emoji(2000), category: emoji(100) });

    const response = await api.http.post('/products').set(bearer('admin')).send(input);

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ name: input.name, description: input.description, category: input.category });
  });

  it('when description and stock are omitted, stores an empty description and zero stock', async () => {
    const { description: _d, stock: _s, ...input } = buildProduct();

    const response = await api.http.post('/products').set(bearer('admin')).send(input);

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ description: '', stock: 0 });
  });

  it('when the price is 19.99, it round-trips exactly', async () => {
    const created = await api.createProduct({ price: 19.99 });

    expect(created.price).toBe(19.99);
    expect((await api.getProduct(created.id)).price).toBe(19.99);
  });

  it('when the price is 19.99, the database keeps whole cents (1999), not a binary fraction', async () => {
    const created = await api.createProduct({ price: 19.99 });

    const stored = await api.db.connection.collection('products').findOne({ _id: new Types.ObjectId(created.id) });

    expect(stored?.priceCents).toBe(1999);
    expect(Number.isInteger(stored?.priceCents)).toBe(true);
    expect(stored).not.toHaveProperty('price');
  });

  it('when prices like 0.1 and 0.2 are stored, they come back exact and their sum is exact in cents', async () => {
    const a = await api.createProduct({ price: 0.1 });
    const b = await api.createProduct({ price: 0.2 });

    const [storedA, storedB] = await Promise.all([api.getProduct(a.id), api.getProduct(b.id)]);

    expect(storedA.price).toBe(0.1);
    expect(storedB.price).toBe(0.2);
    expect(Math.round(storedA.price * 100) + Math.round(storedB.price * 100)).toBe(30);
  });

  it('when the price has three decimal places, answers 400', async () => {
    const response = await api.http
      .post('/products')
      .set(bearer('admin'))
      .send(buildProduct({ price: 1.999 }));

    expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
  });

  it('when the caller is a user, answers 403 and creates nothing', async () => {
    const input = buildProduct();

    const response = await api.http.post('/products').set(bearer('user')).send(input);

    expectProblem(response, 403, 'AUTH.FORBIDDEN');
    const listed = await api.http.get('/products').query({ category: input.category });
    expect(listed.body).toMatchObject({ total: 0 });
  });

  it('when there is no token, answers 401', async () => {
    const response = await api.http.post('/products').send(buildProduct());

    expectProblem(response, 401, 'AUTH.UNAUTHORIZED');
  });
});

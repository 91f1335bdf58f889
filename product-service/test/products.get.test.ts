import { newId } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, startTestApi, type TestApi } from './api-client';

describe('GET /products/:id', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('when the product exists, returns it without a token and with only the public fields', async () => {
    const created = await api.createProduct({ price: 7.5 });

    const response = await api.http.get(`/products/${created.id}`);

    expect(response.status).toBe(200);
    expect(Object.keys(response.body as object).sort()).toEqual([
      'category',
      'createdAt',
      'description',
      'id',
      'name',
      'price',
      'soldCount',
      'stock',
      'updatedAt',
    ]);
    expect(response.body).toMatchObject({ id: created.id, price: 7.5, soldCount: 0 });
  });

  it('when no product has the id, answers 404 PRODUCT.NOT_FOUND', async () => {
    const response = await api.http.get(`/products/${newId()}`);

    expectProblem(response, 404, 'PRODUCT.NOT_FOUND');
  });

  it('when the id is not an ObjectId, answers 400', async () => {
    const response = await api.http.get('/products/not-an-id');

    expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
  });
});

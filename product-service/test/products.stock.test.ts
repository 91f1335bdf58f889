import { bearer, newId } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, startTestApi, type TestApi } from './api-client';

describe('PATCH /products/:id/stock', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const changeStock = (id: string, quantity: unknown, role: 'admin' | 'user' = 'admin') =>
    api.http.patch(`/products/${id}/stock`).set(bearer(role)).send({ quantity });

  it('when an admin adds stock, answers 200 with the new stock', async () => {
    const product = await api.createProduct({ stock: 2 });

    const response = await changeStock(product.id, 5);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: product.id, stock: 7 });
  });

  it('when an admin removes stock that is there, answers 200 with the new stock', async () => {
    const product = await api.createProduct({ stock: 5 });

    const response = await changeStock(product.id, -5);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ stock: 0 });
  });

  it('when a decrease would take stock below zero, answers 409 and the stock is unchanged', async () => {
    const product = await api.createProduct({ stock: 3 });

    const response = await changeStock(product.id, -4);

    const problem = expectProblem(response, 409, 'STOCK.INSUFFICIENT');
    expect(problem.productId).toBe(product.id);
    expect((await api.getProduct(product.id)).stock).toBe(3);
  });

  it('when 20 concurrent requests each remove one of 5 units, exactly 5 succeed and stock ends at 0', async () => {
    const product = await api.createProduct({ stock: 5 });

    const responses = await Promise.all(Array.from({ length: 20 }, () => changeStock(product.id, -1)));

    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 409)).toHaveLength(15);
    expect((await api.getProduct(product.id)).stock).toBe(0);
  });

  it('when the product does not exist, answers 404', async () => {
    const response = await changeStock(newId(), -1);

    expectProblem(response, 404, 'PRODUCT.NOT_FOUND');
  });

  it.each([
    ['zero', 0],
    ['a fraction', 1.5],
    ['a string', '3'],
  ])('when the quantity is %s, answers 400 and the stock is unchanged', async (_label, quantity) => {
    const product = await api.createProduct({ stock: 3 });

    const response = await changeStock(product.id, quantity);

    expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
    expect((await api.getProduct(product.id)).stock).toBe(3);
  });

  it('when the caller is a user, answers 403 and the stock is unchanged', async () => {
    const product = await api.createProduct({ stock: 3 });

    const response = await changeStock(product.id, -1, 'user');

    expectProblem(response, 403, 'AUTH.FORBIDDEN');
    expect((await api.getProduct(product.id)).stock).toBe(3);
  });

  it('when there is no token, answers 401', async () => {
    const product = await api.createProduct({ stock: 3 });

    const response = await api.http.patch(`/products/${product.id}/stock`).send({ quantity: -1 });

    expectProblem(response, 401, 'AUTH.UNAUTHORIZED');
  });
});

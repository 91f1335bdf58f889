import { bearer, newId } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, startTestApi, type ProductBody, type TestApi } from './api-client';

describe('PATCH /products/:id', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('when an admin changes name and price, answers 200 with the changed product and keeps the rest', async () => {
    const created = await api.createProduct({ price: 10, stock: 4 });

    const response = await api.http
      .patch(`/products/${created.id}`)
      .set(bearer('admin'))
      .send({ name: 'Renamed', price: 0.3 });

    expect(response.status).toBe(200);
    const body = response.body as ProductBody;
    expect(body).toMatchObject({ id: created.id, name: 'Renamed', price: 0.3, stock: 4, category: created.category });
    expect(await api.getProduct(created.id)).toMatchObject({ name: 'Renamed', price: 0.3 });
  });

  it('when the body tries to set stock, answers 400 and the stock is unchanged', async () => {
    const created = await api.createProduct({ stock: 4 });

    const response = await api.http.patch(`/products/${created.id}`).set(bearer('admin')).send({ stock: 1000 });

    expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
    expect((await api.getProduct(created.id)).stock).toBe(4);
  });

  it('when the body is empty, answers 400', async () => {
    const created = await api.createProduct();

    const response = await api.http.patch(`/products/${created.id}`).set(bearer('admin')).send({});

    expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
  });

  it('when the product does not exist, answers 404', async () => {
    const response = await api.http.patch(`/products/${newId()}`).set(bearer('admin')).send({ name: 'x' });

    expectProblem(response, 404, 'PRODUCT.NOT_FOUND');
  });

  it('when the caller is a user, answers 403 and nothing changes', async () => {
    const created = await api.createProduct();

    const response = await api.http.patch(`/products/${created.id}`).set(bearer('user')).send({ name: 'Hacked' });

    expectProblem(response, 403, 'AUTH.FORBIDDEN');
    expect((await api.getProduct(created.id)).name).toBe(created.name);
  });

  it('when there is no token, answers 401', async () => {
    const created = await api.createProduct();

    const response = await api.http.patch(`/products/${created.id}`).send({ name: 'Hacked' });

    expectProblem(response, 401, 'AUTH.UNAUTHORIZED');
  });
});

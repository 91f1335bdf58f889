import { bearer } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES, expectProblem, startTestApi, type TestApi } from './api-client';
import { buildProduct } from './builders';

describe('bad input to product-service', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const postProduct = () => api.http.post('/products').set(bearer('admin'));

  it('when the JSON is malformed, answers 400 REQUEST.MALFORMED_JSON', async () => {
    const response = await postProduct().set('content-type', 'application/json').send('{"name": "x",');

    expectProblem(response, 400, 'REQUEST.MALFORMED_JSON');
  });

  it('when fields have the wrong types, answers 400 with an entry per field in errors[]', async () => {
    const response = await postProduct().send({ ...buildProduct(), name: 42, price: '19.99', stock: 'many' });

    const problem = expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
    const paths = (problem.errors as { path: string }[]).map((error) => error.path);
    expect(paths).toEqual(expect.arrayContaining(['body.name', 'body.price', 'body.stock']));
  });

  it('when the body has an unknown field, answers 400 naming it', async () => {
    const response = await postProduct().send({ ...buildProduct(), isFeatured: true });

    const problem = expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
    expect(JSON.stringify(problem.errors)).toContain('isFeatured');
  });

  it('when the body smuggles a $-operator, answers 400 REQUEST.OPERATOR_KEYS', async () => {
    const response = await postProduct().send({ ...buildProduct(), price: { $gt: 0 } });

    const problem = expectProblem(response, 400, 'REQUEST.OPERATOR_KEYS');
    expect(problem.errors).toEqual([expect.objectContaining({ path: 'price.$gt' })]);
  });

  it('when a stock change smuggles a $-operator, answers 400 and the stock is unchanged', async () => {
    const product = await api.createProduct({ stock: 2 });

    const response = await api.http
      .patch(`/products/${product.id}/stock`)
      .set(bearer('admin'))
      .send({ quantity: { $inc: -5 } });

    expectProblem(response, 400, 'REQUEST.OPERATOR_KEYS');
    expect((await api.getProduct(product.id)).stock).toBe(2);
  });

  it.each(['minPrice[$gt]=1', 'category[$ne]=x', '$where=1', 'category=a&category=b'])(
    'when the query string is %s, answers 400',
    async (query) => {
      const response = await api.http.get(`/products?${query}`);

      const problem = expectProblem(
        response,
        400,
        expect.stringMatching(/^REQUEST\.(VALIDATION_FAILED|OPERATOR_KEYS)$/) as unknown as string,
      );
      expect(problem.errors).toEqual(expect.any(Array));
    },
  );

  it('when the id is not an ObjectId, answers 400 on every route that takes one', async () => {
    const responses = await Promise.all([
      api.http.get('/products/123'),
      api.http.patch('/products/123').set(bearer('admin')).send({ name: 'x' }),
      api.http.patch('/products/zzzzzzzzzzzzzzzzzzzzzzzz/stock').set(bearer('admin')).send({ quantity: 1 }),
    ]);

    for (const response of responses) expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
  });

  it('when the body is larger than the limit, answers 413', async () => {
    const response = await postProduct().send({ ...buildProduct(), description: 'x'.repeat(BODY_LIMIT_BYTES + 1) });

    expectProblem(response, 413, 'REQUEST.TOO_LARGE');
  });

  it('when the body is text/plain, answers 415', async () => {
    const response = await postProduct().set('content-type', 'text/plain').send('name=x');

    expectProblem(response, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
  });

  it('when the path does not exist, answers 404 ROUTE.NOT_FOUND', async () => {
    const response = await api.http.get('/nothing-here');

    expectProblem(response, 404, 'ROUTE.NOT_FOUND');
  });
});

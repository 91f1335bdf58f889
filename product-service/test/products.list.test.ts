import { unique } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, startTestApi, type ProductBody, type TestApi } from './api-client';

interface PageBody {
  items: ProductBody[];
  page: number;
  limit: number;
  total: number;
  totalPages: number;
}

describe('GET /products', () => {
  let api: TestApi;
  const category = unique('list');
  const prices = [5, 12.5, 19.99, 30, 99.95];

  beforeAll(async () => {
    api = await startTestApi();
    // Created one by one so createdAt follows the array order.
    for (const [index, price] of prices.entries()) {
      await api.createProduct({ category, price, name: `item-${String.fromCharCode(101 - index)}` });
    }
    await api.createProduct({ category: unique('other'), price: 19.99 });
  });
  afterAll(() => api.close());

  const list = async (query: Record<string, string | number>) => {
    const response = await api.http.get('/products').query(query);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as PageBody;
  };

  it('when filtered by category without a token, returns only that category', async () => {
    const page = await list({ category });

    expect(page.total).toBe(prices.length);
    expect(page.items.every((item) => item.category === category)).toBe(true);
  });

  it('when given minPrice and maxPrice, returns only products priced inside the inclusive range', async () => {
    const page = await list({ category, minPrice: '12.5', maxPrice: '30', sort: 'price' });

    expect(page.items.map((item) => item.price)).toEqual([12.5, 19.99, 30]);
    expect(page.total).toBe(3);
  });

  it('when paginated, reports the total and number of pages and returns the requested slice', async () => {
    const first = await list({ category, limit: 2, page: 1, sort: 'price' });
    const third = await list({ category, limit: 2, page: 3, sort: 'price' });

    expect(first).toMatchObject({ page: 1, limit: 2, total: 5, totalPages: 3 });
    expect(first.items.map((item) => item.price)).toEqual([5, 12.5]);
    expect(third.items.map((item) => item.price)).toEqual([99.95]);
  });

  it('when sorted by -price, returns the most expensive first', async () => {
    const page = await list({ category, sort: '-price' });

    expect(page.items.map((item) => item.price)).toEqual([...prices].reverse());
  });

  it('when sorted by name, returns products in alphabetical order', async () => {
    const page = await list({ category, sort: 'name' });

    expect(page.items.map((item) => item.name)).toEqual(['item-a', 'item-b', 'item-c', 'item-d', 'item-e']);
  });

  it('when no sort is given, returns the newest first', async () => {
    const page = await list({ category });

    const created = page.items.map((item) => Date.parse(item.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(page.items[0]?.price).toBe(99.95);
  });

  it('when minPrice is greater than maxPrice, answers 400', async () => {
    const response = await api.http.get('/products').query({ minPrice: '50', maxPrice: '10' });

    expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
  });

  it('when the sort is not one of the allowed values, answers 400', async () => {
    const response = await api.http.get('/products').query({ sort: 'stock' });

    expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
  });

  it('when limit exceeds 100, answers 400', async () => {
    const response = await api.http.get('/products').query({ limit: 101 });

    expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
  });
});

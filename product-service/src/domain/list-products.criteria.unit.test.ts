import { describe, expect, it } from 'vitest';
import { buildProductListCriteria } from './list-products.criteria';
import { listProductsQuerySchema } from './product.schemas';

const criteriaFor = (query: Record<string, string>) => buildProductListCriteria(listProductsQuerySchema.parse(query));

describe('buildProductListCriteria', () => {
  it('when the query is empty, sorts newest first on page 1 of 20 with no filters', () => {
    expect(criteriaFor({})).toEqual({ sortField: 'createdAt', sortDirection: -1, skip: 0, limit: 20 });
  });

  it('when prices are given, converts them to exact cents', () => {
    expect(criteriaFor({ minPrice: '0.1', maxPrice: '19.99' })).toMatchObject({
      minPriceCents: 10,
      maxPriceCents: 1999,
    });
  });

  it('when a page and limit are given, skips the earlier pages', () => {
    expect(criteriaFor({ page: '3', limit: '25' })).toMatchObject({ skip: 50, limit: 25 });
  });

  it.each([
    ['price', 'price', 1],
    ['-price', 'price', -1],
    ['name', 'name', 1],
    ['-createdAt', 'createdAt', -1],
  ] as const)('when sort is %s, sorts by %s in direction %d', (sort, sortField, sortDirection) => {
    expect(criteriaFor({ sort })).toMatchObject({ sortField, sortDirection });
  });

  it('when sort is popular, sorts by units sold, most first', () => {
    expect(criteriaFor({ sort: 'popular' })).toMatchObject({ sortField: 'soldCount', sortDirection: -1 });
  });

  it('when a category is given, filters by it exactly', () => {
    expect(criteriaFor({ category: 'books' })).toMatchObject({ category: 'books' });
  });
});

describe('listProductsQuerySchema', () => {
  it.each([
    ['minPrice above maxPrice', { minPrice: '10', maxPrice: '5' }],
    ['a price with three decimals', { minPrice: '1.005' }],
    ['a price in exponent form', { maxPrice: '1e3' }],
    ['an empty price', { minPrice: '' }],
    ['an unknown key', { color: 'red' }],
    ['an unknown sort', { sort: 'stock' }],
    ['popular reversed', { sort: '-popular' }],
    ['a sort by the sold count field itself', { sort: 'soldCount' }],
  ])('rejects %s', (_label, query) => {
    expect(listProductsQuerySchema.safeParse(query).success).toBe(false);
  });

  it('accepts equal minPrice and maxPrice', () => {
    expect(listProductsQuerySchema.safeParse({ minPrice: '5', maxPrice: '5.00' }).success).toBe(true);
  });
});

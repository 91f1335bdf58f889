import { toPage, type Page } from '@shop/shared/core';
import { buildProductListCriteria } from './list-products.criteria.js';
import type { Product, ProductStore } from './product.js';
import type { ListProductsQuery } from './product.schemas.js';

/** One page of the catalogue, filtered and sorted as the query asks. */
export async function listProducts(deps: { products: ProductStore }, query: ListProductsQuery): Promise<Page<Product>> {
  const { items, total } = await deps.products.list(buildProductListCriteria(query));
  return toPage(items, total, query.page, query.limit);
}

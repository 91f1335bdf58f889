import { toCents } from '@shop/shared/core';
import type { ProductListCriteria, ProductSortField } from './product.js';
import type { ListProductsQuery } from './product.schemas.js';

/** Turns a validated list query into storage-neutral criteria (cents, sort direction, offset). */
export function buildProductListCriteria(query: ListProductsQuery): ProductListCriteria {
  const isPopular = query.sort === 'popular';
  const isDescending = isPopular || query.sort.startsWith('-');
  // The repository breaks ties by _id in the same direction: newest first among equally sold.
  const sortField = isPopular ? 'soldCount' : ((isDescending ? query.sort.slice(1) : query.sort) as ProductSortField);
  return {
    ...(query.category === undefined ? {} : { category: query.category }),
    ...(query.minPrice === undefined ? {} : { minPriceCents: toCents(Number(query.minPrice)) }),
    ...(query.maxPrice === undefined ? {} : { maxPriceCents: toCents(Number(query.maxPrice)) }),
    sortField,
    sortDirection: isDescending ? -1 : 1,
    skip: (query.page - 1) * query.limit,
    limit: query.limit,
  };
}

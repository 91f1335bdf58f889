import { toCents } from '@shop/shared/core';
import type { Product, ProductStore } from './product.js';
import type { CreateProductInput } from './product.schemas.js';

/** An admin adds a product; the decimal price is stored as integer cents. */
export async function createProduct(
  deps: { products: ProductStore },
  { price, ...rest }: CreateProductInput,
): Promise<Product> {
  return deps.products.create({ ...rest, priceCents: toCents(price) });
}

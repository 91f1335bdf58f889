import { toCents } from '@shop/shared/core';
import type { Product, ProductChanges, ProductStore } from './product.js';
import { ProductNotFoundError } from './product.errors.js';
import type { UpdateProductInput } from './product.schemas.js';

/** An admin changes a product's description fields; stock changes only through adjustStock. */
export async function updateProduct(
  deps: { products: ProductStore },
  id: string,
  { price, name, description, category }: UpdateProductInput,
): Promise<Product> {
  const changes: ProductChanges = {
    ...(name === undefined ? {} : { name }),
    ...(description === undefined ? {} : { description }),
    ...(category === undefined ? {} : { category }),
    ...(price === undefined ? {} : { priceCents: toCents(price) }),
  };
  const product = await deps.products.update(id, changes);
  if (product === null) throw new ProductNotFoundError(id);
  return product;
}

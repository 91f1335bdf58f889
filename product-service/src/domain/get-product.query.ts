import type { Product, ProductStore } from './product.js';
import { ProductNotFoundError } from './product.errors.js';

export async function getProduct(deps: { products: ProductStore }, id: string): Promise<Product> {
  const product = await deps.products.findById(id);
  if (product === null) throw new ProductNotFoundError(id);
  return product;
}

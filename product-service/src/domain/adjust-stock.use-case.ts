import type { Product, ProductStore } from './product.js';
import { InsufficientStockError, ProductNotFoundError } from './product.errors.js';

/** An admin adds or removes units (a non-zero relative change); the stock never goes below zero. */
export async function adjustStock(deps: { products: ProductStore }, id: string, quantity: number): Promise<Product> {
  const product = await deps.products.adjustStock(id, quantity);
  if (product !== null) return product;
  // The conditional update matched nothing: tell a missing product from a short one.
  const current = await deps.products.findById(id);
  if (current === null) throw new ProductNotFoundError(id);
  throw new InsufficientStockError(id, current.name);
}

import type { ProductInventory, ProductStore } from './product.js';
import { ProductNotFoundError } from './product.errors.js';

/** Stock, held and sold units: for operators and the fault drills, never routed by the gateway. */
export async function getInventory(deps: { products: ProductStore }, id: string): Promise<ProductInventory> {
  const inventory = await deps.products.findInventory(id);
  if (inventory === null) throw new ProductNotFoundError(id);
  return inventory;
}

import { fromCents, type Page } from '@shop/shared/core';
import type { Product, ProductInventory } from '../domain/product.js';

/**
 * A product as clients see it: the decimal `price` they speak, and `soldCount` (units sold by
 * confirmed orders not cancelled, what `sort=popular` orders by); never the reservation ledger
 * (`sold`, holds).
 */
export interface ProductView {
  id: string;
  name: string;
  description: string;
  price: number;
  category: string;
  stock: number;
  soldCount: number;
  createdAt: string;
  updatedAt: string;
}

/** A product's units as the internal inventory route shows them: counts only, no order ids. */
export interface ProductInventoryView {
  productId: string;
  stock: number;
  held: number;
  sold: number;
  holdCount: number;
}

// Fields are listed one by one: a new domain field is not sent by accident.
export function toProductView(product: Product): ProductView {
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    price: fromCents(product.priceCents),
    category: product.category,
    stock: product.stock,
    soldCount: product.soldCount,
    createdAt: product.createdAt.toISOString(),
    updatedAt: product.updatedAt.toISOString(),
  };
}

export function toProductPageView(page: Page<Product>): Page<ProductView> {
  return { ...page, items: page.items.map(toProductView) };
}

export function toProductInventoryView(inventory: ProductInventory): ProductInventoryView {
  return {
    productId: inventory.productId,
    stock: inventory.stock,
    held: inventory.held,
    sold: inventory.sold,
    holdCount: inventory.holdCount,
  };
}

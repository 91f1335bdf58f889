import { fromCents, objectIdSchema, type Page } from '@shop/shared/core';
import { isoDateTimeSchema, moneySchema, pageSchema } from '@shop/shared/contract';
import { z } from 'zod';
import type { Product, ProductInventory } from '../domain/product.js';

/**
 * A product as clients see it: the decimal `price` they speak, and `soldCount` (units sold by
 * confirmed orders not cancelled, what `sort=popular` orders by); never the reservation ledger
 * (`sold`, holds).
 */
export const productViewSchema = z
  .strictObject({
    id: objectIdSchema,
    name: z.string(),
    description: z.string(),
    price: moneySchema,
    category: z.string(),
    stock: z.number().int().min(0),
    soldCount: z.number().int().min(0).meta({ description: 'Units sold by confirmed orders not cancelled' }),
    createdAt: isoDateTimeSchema,
    updatedAt: isoDateTimeSchema,
  })
  .meta({ id: 'Product' });
export type ProductView = z.output<typeof productViewSchema>;

export const productPageViewSchema = pageSchema(productViewSchema).meta({ id: 'ProductPage' });

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

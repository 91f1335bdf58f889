import { fromCents, type Page } from '@shop/shared/core';
import type { Order } from '../domain/order.js';

/** The public shape of an order: decimal prices, no internal fields. */
export function toOrderView(order: Order) {
  return {
    id: order.id,
    userId: order.userId,
    status: order.status,
    items: order.items.map(({ productId, name, quantity, unitPriceCents }) => ({
      productId,
      name: name ?? null,
      quantity,
      unitPrice: unitPriceCents === undefined ? null : fromCents(unitPriceCents),
      lineTotal: unitPriceCents === undefined ? null : fromCents(unitPriceCents * quantity),
    })),
    total: fromCents(order.totalCents),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}

export function toOrderPageView(page: Page<Order>) {
  return { ...page, items: page.items.map(toOrderView) };
}

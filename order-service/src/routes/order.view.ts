import { fromCents, objectIdSchema, type Page } from '@shop/shared/core';
import { isoDateTimeSchema, moneySchema, pageSchema } from '@shop/shared/contract';
import { z } from 'zod';
import { visibleOrderStatuses, type Order } from '../domain/order.js';

const orderLineViewSchema = z.strictObject({
  productId: objectIdSchema,
  name: z.string().nullable().meta({ description: 'The name when the order was placed; null until priced' }),
  quantity: z.number().int().min(1),
  unitPrice: moneySchema.nullable(),
  lineTotal: moneySchema.nullable(),
});

/** The public shape of an order: decimal prices, no internal fields. */
export const orderViewSchema = z
  .strictObject({
    id: objectIdSchema,
    userId: objectIdSchema,
    status: z.enum(visibleOrderStatuses),
    items: z.array(orderLineViewSchema).min(1),
    total: moneySchema,
    createdAt: isoDateTimeSchema,
    updatedAt: isoDateTimeSchema,
  })
  .meta({ id: 'Order' });
export type OrderView = z.output<typeof orderViewSchema>;

export const orderPageViewSchema = pageSchema(orderViewSchema).meta({ id: 'OrderPage' });

export function toOrderView(order: Order): OrderView {
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

export function toOrderPageView(page: Page<Order>): Page<OrderView> {
  return { ...page, items: page.items.map(toOrderView) };
}

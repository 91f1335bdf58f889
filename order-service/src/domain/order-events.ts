import { randomUUID } from 'node:crypto';
import { getRequestId, getTraceContext } from '@shop/shared/core';
import { ORDER_EVENT_VERSION, orderEventSchema, type OrderEventType } from '@shop/shared/events';
import type { Order, OrderLine, OrderStatus, OutboxEvent, PricedLine } from './order.js';

/**
 * Which event each state change produces (docs/events.md). The use cases build the event and hand
 * it to the store with the change, which writes both in one update.
 */
const STATUS_AFTER: Record<OrderEventType, OrderStatus> = {
  'order.placed': 'pending',
  'order.confirmed': 'confirmed',
  'order.cancelled': 'cancelled',
  'order.expired': 'expired',
};

const outboxEventSchema = orderEventSchema.omit({ orderId: true, userId: true });

function orderEvent(
  type: OrderEventType,
  lines: (OrderLine & { unitPriceCents?: number | undefined })[],
  totalCents: number,
): OutboxEvent {
  const requestId = getRequestId();
  const traceId = getTraceContext()?.traceId;
  const event = {
    id: randomUUID(),
    type,
    version: ORDER_EVENT_VERSION,
    time: new Date().toISOString(),
    status: STATUS_AFTER[type],
    lines: lines.map(({ productId, quantity, unitPriceCents }) =>
      unitPriceCents === undefined ? { productId, quantity } : { productId, quantity, unitPriceCents },
    ),
    totalCents,
    ...(requestId === undefined ? {} : { requestId }),
    ...(traceId === undefined ? {} : { traceId }),
  };
  // Checked before it is written, not when it is published: an event the relay could never send
  // must not be stored with the change (it would hold back the order's later events). A plain
  // Error, not a ZodError: this is a bug here, not bad input.
  const checked = outboxEventSchema.safeParse(event);
  if (!checked.success) throw new Error(`invalid ${type} event: ${checked.error.message}`);
  return checked.data;
}

/** A new order was recorded, pending: the lines asked for, not priced yet. */
export function orderPlaced(items: OrderLine[]): OutboxEvent {
  return orderEvent('order.placed', items, 0);
}

/** The stock was reserved and the order confirmed, with product-service's prices. */
export function orderConfirmed(items: PricedLine[], totalCents: number): OutboxEvent {
  return orderEvent('order.confirmed', items, totalCents);
}

/** A confirmed order was cancelled and its stock released. */
export function orderCancelled(order: Order): OutboxEvent {
  return orderEvent('order.cancelled', order.items, order.totalCents);
}

/** A pending order was given up (its saga failed, or died and was swept): it will never be confirmed. */
export function orderExpired(order: Order): OutboxEvent {
  return orderEvent('order.expired', order.items, order.totalCents);
}

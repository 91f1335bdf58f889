import { z } from 'zod';
import { objectIdSchema } from '../core/validation.js';

/**
 * The order lifecycle events order-service publishes (docs/events.md is their documentation).
 * A consumer must accept any version it knows and park (dead-letter) one it does not.
 */
export const ORDER_EVENT_TYPES = ['order.placed', 'order.confirmed', 'order.cancelled', 'order.expired'] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

export const ORDER_EVENT_VERSION = 1;

/** The stream every order event is appended to, in order per order. */
export const ORDER_EVENTS_STREAM = 'shop:order-events';
/** Where a consumer parks a message it failed to apply too many times (one entry per parked message). */
export const ORDER_EVENTS_DEAD_LETTER_STREAM = 'shop:order-events:dead';
/** The field of a stream entry that holds the event, as JSON. */
export const EVENT_FIELD = 'event';

export const orderEventLineSchema = z.strictObject({
  productId: objectIdSchema,
  quantity: z.number().int().positive(),
  /** Known once the order is confirmed (product-service's price at reservation time). */
  unitPriceCents: z.number().int().nonnegative().optional(),
});

export const orderEventSchema = z.strictObject({
  /** Unique per event; consumers apply an event id once. */
  id: z.uuid(),
  type: z.enum(ORDER_EVENT_TYPES),
  version: z.literal(ORDER_EVENT_VERSION),
  /** When the state change happened (ISO 8601, UTC). */
  time: z.iso.datetime(),
  orderId: objectIdSchema,
  userId: objectIdSchema,
  /** The order's status after this event. */
  status: z.enum(['pending', 'confirmed', 'cancelled', 'expired']),
  lines: z.array(orderEventLineSchema).min(1),
  totalCents: z.number().int().nonnegative(),
  /** The request that caused the change (`X-Request-Id`), or the sweep round's id. */
  requestId: z.string().max(128).optional(),
  /** Its W3C trace id, when it had one. */
  traceId: z
    .string()
    .regex(/^[\da-f]{32}$/)
    .optional(),
});

export type OrderEvent = z.infer<typeof orderEventSchema>;
export type OrderEventLine = z.infer<typeof orderEventLineSchema>;

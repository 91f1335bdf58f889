import { objectIdSchema, paginationShape } from '@shop/shared';
import { z } from 'zod';
import { orderStatuses } from './order.types.js';

export const MAX_LINES = 50;

export const placeOrderBodySchema = z.strictObject({
  items: z
    .array(z.strictObject({ productId: objectIdSchema, quantity: z.number().int().min(1).max(1000) }))
    .min(1)
    .max(MAX_LINES),
});

/** Printable ASCII, as in the IETF Idempotency-Key draft; long enough for a UUID or a hash. */
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters');

export const listOrdersQuerySchema = z.strictObject({ ...paginationShape, status: z.enum(orderStatuses).optional() });

export const orderIdParamsSchema = z.strictObject({ id: objectIdSchema });
export const userIdParamsSchema = z.strictObject({ userId: objectIdSchema });

import { objectIdSchema, paginationShape } from '@shop/shared/core';
import { z } from 'zod';
import { visibleOrderStatuses } from './order.js';

export const MAX_LINES = 50;

export const MAX_QUANTITY = 1000;

export const placeOrderBodySchema = z.strictObject({
  items: z
    .array(z.strictObject({ productId: objectIdSchema, quantity: z.number().int().min(1).max(MAX_QUANTITY) }))
    .min(1)
    .max(MAX_LINES)
    // Lines for one product are merged; the merged quantity obeys the same bound as one line.
    .superRefine((lines, ctx) => {
      const totals = new Map<string, number>();
      for (const { productId, quantity } of lines)
        totals.set(productId.toLowerCase(), (totals.get(productId.toLowerCase()) ?? 0) + quantity);
      for (const [productId, quantity] of totals) {
        if (quantity > MAX_QUANTITY)
          ctx.addIssue({ code: 'custom', message: `at most ${MAX_QUANTITY} units of product ${productId} per order` });
      }
    }),
});

/** Printable ASCII, as in the IETF Idempotency-Key draft; long enough for a UUID or a hash. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters');

export const listOrdersQuerySchema = z.strictObject({
  ...paginationShape,
  status: z.enum(visibleOrderStatuses).optional(),
});

export const orderIdParamsSchema = z.strictObject({ id: objectIdSchema });
export const userIdParamsSchema = z.strictObject({ userId: objectIdSchema });

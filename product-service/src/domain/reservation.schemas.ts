import { objectIdSchema } from '@shop/shared/core';
import { z } from 'zod';

// Ids are compared as strings (duplicates, replays), so one spelling per id.
const id = objectIdSchema.transform((value) => value.toLowerCase());

export const reserveStockSchema = z.strictObject({
  orderId: id,
  items: z
    .array(z.strictObject({ productId: id, quantity: z.number().int().min(1).max(1000) }))
    .min(1)
    .max(100)
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((item, index) => {
        if (seen.has(item.productId))
          ctx.addIssue({ code: 'custom', path: [index, 'productId'], message: 'duplicate productId' });
        seen.add(item.productId);
      });
    }),
});
export type ReserveStockInput = z.output<typeof reserveStockSchema>;

export const orderIdParamsSchema = z.strictObject({ orderId: id });

import { z } from 'zod';

/** Largest price accepted, in currency units; keeps cents far inside the safe-integer range. */
const MAX_PRICE = 1_000_000;

function hasAtMostTwoDecimals(value: number): boolean {
  const cents = value * 100;
  return Math.abs(cents - Math.round(cents)) < 1e-6;
}

/** A price as clients send it: a decimal number with at most two decimal places. */
export const priceSchema = z
  .number()
  // At least a whole cent: a positive price below half a cent would round to 0 cents.
  .min(0.01)
  .max(MAX_PRICE)
  .refine(hasAtMostTwoDecimals, { message: 'must have at most two decimal places' })
  // The refinement, in JSON Schema's words (the OpenAPI document).
  .meta({ override: { multipleOf: 0.01 } });

/** Money is stored and summed as integer cents, so totals are exact. */
export function toCents(price: number): number {
  return Math.round(price * 100);
}

/** Integer cents back to the decimal form the API speaks (1999 -> 19.99). */
export function fromCents(cents: number): number {
  return cents / 100;
}

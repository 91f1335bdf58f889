import { describe, expect, it } from 'vitest';
import { fromCents, priceSchema, toCents } from './money';

describe('money', () => {
  it('converts decimal prices to exact integer cents and back', () => {
    expect(toCents(19.99)).toBe(1999);
    expect(toCents(0.1) + toCents(0.2)).toBe(30);
    expect(fromCents(toCents(0.1) + toCents(0.2))).toBe(0.3);
  });

  it('every whole-cent amount up to 10 000.00 survives the trip to decimal and back unchanged', () => {
    for (let cents = 0; cents <= 1_000_000; cents++) {
      if (toCents(fromCents(cents)) !== cents) expect.fail(`${cents} cents came back as ${toCents(fromCents(cents))}`);
    }
  });

  it('rejects prices with more than two decimals, zero and negatives', () => {
    expect(priceSchema.safeParse(19.99).success).toBe(true);
    expect(priceSchema.safeParse(19.999).success).toBe(false);
    expect(priceSchema.safeParse(0).success).toBe(false);
    expect(priceSchema.safeParse(-1).success).toBe(false);
  });

  it('accepts whole-cent prices from 0.01 up to 1 000 000, including a sum carrying float noise', () => {
    for (let cents = 1; cents <= 100_000_000; cents += 9_973) {
      expect(priceSchema.safeParse(fromCents(cents)).success, `${fromCents(cents)}`).toBe(true);
    }
    expect(priceSchema.safeParse(0.01).success).toBe(true);
    expect(priceSchema.safeParse(1_000_000).success).toBe(true);
    // 0.30000000000000004: a client that added 0.1 and 0.2 means 30 cents.
    expect(priceSchema.safeParse(0.1 + 0.2).success).toBe(true);
    expect(toCents(0.1 + 0.2)).toBe(30);
  });

  it('refuses a price above 1 000 000 and, saying why, a price with a fraction of a cent', () => {
    expect(priceSchema.safeParse(1_000_000.01).success).toBe(false);
    for (const price of [19.999, 0.015, 10.0001]) {
      const result = priceSchema.safeParse(price);
      expect(result.success, `${price}`).toBe(false);
      expect(result.error?.issues.map((issue) => issue.message)).toEqual(['must have at most two decimal places']);
    }
  });

  it('refuses a positive price too small to be a cent, which would be stored as a free product', () => {
    for (const price of [0.000000001, 0.001, 0.004]) {
      expect(priceSchema.safeParse(price).success, `${price}`).toBe(false);
    }
  });
});

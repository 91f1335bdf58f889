import { describe, expect, it } from 'vitest';
import { fromCents, priceSchema, toCents } from './money';

describe('money', () => {
  it('converts decimal prices to exact integer cents and back', () => {
    expect(toCents(19.99)).toBe(1999);
    expect(toCents(0.1) + toCents(0.2)).toBe(30);
    expect(fromCents(toCents(0.1) + toCents(0.2))).toBe(0.3);
  });

  it('rejects prices with more than two decimals, zero and negatives', () => {
    expect(priceSchema.safeParse(19.99).success).toBe(true);
    expect(priceSchema.safeParse(19.999).success).toBe(false);
    expect(priceSchema.safeParse(0).success).toBe(false);
    expect(priceSchema.safeParse(-1).success).toBe(false);
  });
});

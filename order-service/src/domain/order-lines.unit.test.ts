import { describe, expect, it } from 'vitest';
import { isSameRequest, normalizeLines, totalCents } from './order-lines';

const A = 'a'.repeat(24);
const B = 'b'.repeat(24);

describe('order lines', () => {
  it('merges repeated products and orders lines by product id', () => {
    expect(normalizeLines([{ productId: B, quantity: 1 }, { productId: A, quantity: 2 }, { productId: B.toUpperCase(), quantity: 3 }])).toEqual([
      { productId: A, quantity: 2 },
      { productId: B, quantity: 4 },
    ]);
  });

  it('treats the same lines in another order as the same request, other quantities as different', () => {
    const first = normalizeLines([{ productId: A, quantity: 1 }, { productId: B, quantity: 2 }]);
    expect(isSameRequest(first, normalizeLines([{ productId: B, quantity: 2 }, { productId: A, quantity: 1 }]))).toBe(true);
    expect(isSameRequest(first, normalizeLines([{ productId: A, quantity: 1 }, { productId: B, quantity: 3 }]))).toBe(false);
  });

  it('sums totals in integer cents without floating-point error', () => {
    expect(totalCents([{ quantity: 3, unitPriceCents: 10 }, { quantity: 1, unitPriceCents: 20 }])).toBe(50);
    expect(totalCents([{ quantity: 3, unitPriceCents: 1999 }])).toBe(5997);
  });
});

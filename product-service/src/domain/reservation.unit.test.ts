import { describe, expect, it } from 'vitest';
import { hasSameLines } from './reservation';

describe('hasSameLines', () => {
  const a = { productId: 'a'.repeat(24), quantity: 1 };
  const b = { productId: 'b'.repeat(24), quantity: 2 };

  it('when the lines are the same in another order, they match', () => {
    expect(hasSameLines([a, b], [b, a])).toBe(true);
  });

  it('when a quantity differs, they do not match', () => {
    expect(hasSameLines([a, b], [a, { ...b, quantity: 3 }])).toBe(false);
  });

  it('when a line is missing, they do not match', () => {
    expect(hasSameLines([a, b], [a])).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { isSameRequest, matchReservedLines, normalizeLines, totalCents } from './order-lines';
import { UpstreamInvalidResponseError } from './order.errors';
import type { PricedLine } from './order';

const A = 'a'.repeat(24);
const B = 'b'.repeat(24);

describe('order lines', () => {
  it('merges repeated products and orders lines by product id', () => {
    expect(
      normalizeLines([
        { productId: B, quantity: 1 },
        { productId: A, quantity: 2 },
        { productId: B.toUpperCase(), quantity: 3 },
      ]),
    ).toEqual([
      { productId: A, quantity: 2 },
      { productId: B, quantity: 4 },
    ]);
  });

  it('treats the same lines in another order as the same request, other quantities as different', () => {
    const first = normalizeLines([
      { productId: A, quantity: 1 },
      { productId: B, quantity: 2 },
    ]);
    expect(
      isSameRequest(
        first,
        normalizeLines([
          { productId: B, quantity: 2 },
          { productId: A, quantity: 1 },
        ]),
      ),
    ).toBe(true);
    expect(
      isSameRequest(
        first,
        normalizeLines([
          { productId: A, quantity: 1 },
          { productId: B, quantity: 3 },
        ]),
      ),
    ).toBe(false);
  });

  it('sums totals in integer cents without floating-point error', () => {
    expect(
      totalCents([
        { quantity: 3, unitPriceCents: 10 },
        { quantity: 1, unitPriceCents: 20 },
      ]),
    ).toBe(50);
    expect(totalCents([{ quantity: 3, unitPriceCents: 1999 }])).toBe(5997);
  });
});

describe('matchReservedLines', () => {
  const asked = normalizeLines([
    { productId: A, quantity: 2 },
    { productId: B, quantity: 1 },
  ]);
  const honest: PricedLine[] = [
    { productId: B, quantity: 1, name: 'Bulb', unitPriceCents: 250 },
    { productId: A, quantity: 2, name: 'Lamp', unitPriceCents: 1999 },
  ];
  const C = 'c'.repeat(24);

  it('accepts exactly the lines asked for, in any order and spelling, and returns them in the order asked', () => {
    expect(
      matchReservedLines(
        asked,
        honest.map((line) => ({ ...line, productId: line.productId.toUpperCase() })),
      ),
    ).toEqual([
      { productId: A, quantity: 2, name: 'Lamp', unitPriceCents: 1999 },
      { productId: B, quantity: 1, name: 'Bulb', unitPriceCents: 250 },
    ]);
  });

  // Typed as PricedLine, but coming from another service: a bad value can arrive in any field.
  const bad = (line: Partial<Record<keyof PricedLine, unknown>>) => line as PricedLine;
  it.each<[string, PricedLine[]]>([
    ['a dropped line', [honest[1]!]],
    ['an added line', [...honest, { productId: C, quantity: 1, name: 'Gift', unitPriceCents: 1 }]],
    ['a foreign product instead of one asked for', [honest[1]!, { ...honest[0]!, productId: C }]],
    ['one product twice', [honest[1]!, honest[1]!]],
    ['a changed quantity', [honest[0]!, { ...honest[1]!, quantity: 3 }]],
    ['a negative price', [honest[0]!, { ...honest[1]!, unitPriceCents: -1999 }]],
    ['a zero price', [honest[0]!, { ...honest[1]!, unitPriceCents: 0 }]],
    ['a fractional price', [honest[0]!, { ...honest[1]!, unitPriceCents: 19.5 }]],
    ['a price beyond safe integers', [honest[0]!, { ...honest[1]!, unitPriceCents: 2 ** 53 }]],
    ['a price as a string', [honest[0]!, bad({ ...honest[1]!, unitPriceCents: '1999' })]],
    ['an empty name', [honest[0]!, { ...honest[1]!, name: '' }]],
    ['a name that is not a string', [honest[0]!, bad({ ...honest[1]!, name: 7 })]],
    ['a total too large to be exact', [honest[0]!, { ...honest[1]!, unitPriceCents: Number.MAX_SAFE_INTEGER }]],
  ])('refuses %s with UpstreamInvalidResponseError', (_label, reserved) => {
    expect(() => matchReservedLines(asked, reserved)).toThrow(UpstreamInvalidResponseError);
  });
});

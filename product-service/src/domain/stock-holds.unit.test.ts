import { describe, expect, it } from 'vitest';
import type { StockHold } from './product';
import type { Reservation, StoredLine } from './reservation';
import { nextReturnStep, settleOldHold } from './stock-holds';

const ORDER = 'o'.repeat(24);
const PRODUCT = 'p'.repeat(24);
const hold = (from: StockHold['from'], lease: string): StockHold => ({
  orderId: ORDER,
  quantity: 2,
  from,
  lease,
  at: new Date(0),
});
const line = (state: StoredLine['state'], lease?: string): StoredLine => ({
  productId: PRODUCT,
  quantity: 2,
  state,
  ...(lease === undefined ? {} : { lease }),
});
const reservation = (status: Reservation['status'], items: StoredLine[]): Reservation => ({
  orderId: ORDER,
  status,
  lease: 'current',
  items,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

describe('nextReturnStep: giving one line back to stock under lease "mine"', () => {
  it.each([
    ['an open line with no hold is done (nothing was taken)', line('open'), null, { kind: 'done' }],
    [
      'an open line with a hold from stock sends it back to stock',
      line('open'),
      hold('stock', 'reserve'),
      { kind: 'settle', to: 'stock' },
    ],
    ['a returned line with no hold is done', line('returned', 'mine'), null, { kind: 'done' }],
    [
      'a returned line with a stray hold from sold sends it back to sold',
      line('returned', 'mine'),
      hold('sold', 'stalled'),
      { kind: 'settle', to: 'sold' },
    ],
    [
      'a sold line whose reserve hold is still there commits it first',
      line('sold', 'reserve'),
      hold('stock', 'reserve'),
      { kind: 'settle', to: 'sold' },
    ],
    [
      'a sold line with a stray hold from stock sends it back to stock',
      line('sold', 'reserve'),
      hold('stock', 'other'),
      { kind: 'settle', to: 'stock' },
    ],
    [
      'a committed sold line is claimed for returning',
      line('sold', 'reserve'),
      null,
      { kind: 'move-line', from: { state: 'sold', lease: 'reserve' }, to: { state: 'returning', lease: 'mine' } },
    ],
    [
      'a line another call was returning is taken over before its hold is touched',
      line('returning', 'dead'),
      hold('sold', 'dead'),
      { kind: 'move-line', from: { state: 'returning', lease: 'dead' }, to: { state: 'returning', lease: 'mine' } },
    ],
    [
      "a taken-over returning line sends the dead call's hold back to sold",
      line('returning', 'mine'),
      hold('sold', 'dead'),
      { kind: 'settle', to: 'sold' },
    ],
    ['a returning line with no hold takes its units out of sold', line('returning', 'mine'), null, { kind: 'unsell' }],
    [
      'a returning line with our hold from sold is marked moving',
      line('returning', 'mine'),
      hold('sold', 'mine'),
      { kind: 'move-line', from: { state: 'returning', lease: 'mine' }, to: { state: 'moving', lease: 'mine' } },
    ],
    [
      'a moving line with its hold sends it to stock, even under another lease',
      line('moving', 'dead'),
      hold('sold', 'dead'),
      { kind: 'settle', to: 'stock' },
    ],
    [
      'a moving line with a stray hold from sold sends it back to sold',
      line('moving', 'dead'),
      hold('sold', 'stalled'),
      { kind: 'settle', to: 'sold' },
    ],
    [
      'a moving line with no hold is marked returned',
      line('moving', 'dead'),
      null,
      { kind: 'move-line', from: { state: 'moving', lease: 'dead' }, to: { state: 'returned', lease: 'dead' } },
    ],
  ])('%s', (_label, stored, current, expected) => {
    expect(nextReturnStep(stored, current, 'mine')).toEqual(expected);
  });
});

describe('settleOldHold: what the sweep does with a hold past the timeout', () => {
  it("when the reservation was recorded as reserved under the hold's lease, commits it to sold", () => {
    expect(settleOldHold(PRODUCT, hold('stock', 'reserve'), reservation('reserved', [line('sold', 'reserve')]))).toBe(
      'sold',
    );
  });

  it('when the reservation is reserved under another lease, the hold is a stray and goes back to stock', () => {
    expect(settleOldHold(PRODUCT, hold('stock', 'stalled'), reservation('reserved', [line('sold', 'reserve')]))).toBe(
      'stock',
    );
  });

  it.each(['pending', 'releasing'] as const)(
    'when the reservation is %s, leaves it to the stale-reservation pass',
    (status) => {
      expect(settleOldHold(PRODUCT, hold('stock', 'current'), reservation(status, [line('open')]))).toBe('leave');
    },
  );

  it.each([
    ['from stock', 'stock'],
    ['from sold', 'sold'],
  ] as const)('when the reservation is released, a hold %s goes back where it came from', (_label, from) => {
    expect(settleOldHold(PRODUCT, hold(from, 'stalled'), reservation('released', [line('returned', 'x')]))).toBe(from);
  });

  it('when there is no reservation at all, the hold goes back where it came from', () => {
    expect(settleOldHold(PRODUCT, hold('stock', 'lost'), null)).toBe('stock');
  });
});

import { randomUUID } from 'node:crypto';
import type { HoldSource, StockHold } from './product.js';
import type { LineStep, Reservation, StoredLine } from './reservation.js';

/*
 * The rules that make a crash lose no unit. Every change of a product's units is one atomic
 * update of the product document that moves them between `stock`, `sold` and a hold for one
 * order, and the hold names the order and the call (lease) that placed it. A reservation line
 * records where that line is going (LineState). Together they say where every unit is after a
 * crash at any point, so whoever comes next (a retry, a release, the sweep) finishes the move
 * instead of guessing:
 *
 * - a hold is moved to its destination only when its line's state names the hold's lease
 *   (`sold` under the lease that placed a hold from stock; `moving` under the lease that placed
 *   a hold from sold); any other hold is a stray of a call that lost its lease and goes back
 *   where it came from;
 * - a line's state changes only while no hold of that state's lease is left to settle, so a
 *   call that read an older state can no longer move units in the wrong direction.
 */

/** A fresh lease: the id of one call (or one sweep round) that owns a reservation. */
export function newLease(): string {
  return randomUUID();
}

/** Where a hold's units go when it is not settled as its line intends. */
export function sourceOf(hold: StockHold): HoldSource {
  return hold.from;
}

/** One step towards giving a line's units back to stock; each is a single atomic write. */
export type ReturnStep =
  | { kind: 'done' }
  /** Settle the order's hold on this product to `to`. */
  | { kind: 'settle'; to: HoldSource }
  /** Change the line's state, conditional on the current one. */
  | { kind: 'move-line'; from: LineStep; to: LineStep }
  /** Take the line's units from `sold` into a hold under our lease. */
  | { kind: 'unsell' };

/**
 * The next step for a line of a reservation that `lease` is releasing, given the line as stored
 * and the order's hold on its product (null if none). Applying steps until `done` brings the
 * units to stock exactly once, from any state a crash or a taken-over call left behind.
 */
export function nextReturnStep(line: StoredLine, hold: StockHold | null, lease: string): ReturnStep {
  const stray: ReturnStep = { kind: 'settle', to: hold === null ? 'stock' : sourceOf(hold) };
  switch (line.state) {
    case 'open':
    case 'returned':
      // Never committed, or already back: any hold is a stray and goes back where it came from.
      return hold === null ? { kind: 'done' } : stray;
    case 'sold': {
      const lineLease = line.lease ?? '';
      if (hold === null)
        return { kind: 'move-line', from: { state: 'sold', lease: lineLease }, to: { state: 'returning', lease } };
      // The reservation decided "sold" while this hold exists: finish that commit first, then give it back.
      if (hold.from === 'stock' && hold.lease === lineLease) return { kind: 'settle', to: 'sold' };
      return stray;
    }
    case 'returning': {
      const lineLease = line.lease ?? '';
      // A dead or stalled call's step: take it over first, so its later writes no longer count.
      if (lineLease !== lease)
        return { kind: 'move-line', from: { state: 'returning', lease: lineLease }, to: { state: 'returning', lease } };
      if (hold === null) return { kind: 'unsell' };
      if (hold.from === 'sold' && hold.lease === lease)
        return { kind: 'move-line', from: { state: 'returning', lease }, to: { state: 'moving', lease } };
      return stray;
    }
    case 'moving': {
      const lineLease = line.lease ?? '';
      if (hold === null)
        return {
          kind: 'move-line',
          from: { state: 'moving', lease: lineLease },
          to: { state: 'returned', lease: lineLease },
        };
      if (hold.from === 'sold' && hold.lease === lineLease) return { kind: 'settle', to: 'stock' };
      return stray;
    }
  }
}

/**
 * What the sweep does with a hold older than RESERVATION_TIMEOUT_MS, the product document being
 * the source of truth: 'sold' or 'stock' to settle it there, 'leave' while its reservation is
 * still being reserved or released (the stale-reservation sweep takes those over).
 */
export function settleOldHold(
  productId: string,
  hold: StockHold,
  reservation: Reservation | null,
): HoldSource | 'leave' {
  if (reservation === null) return sourceOf(hold);
  if (reservation.status === 'pending' || reservation.status === 'releasing') return 'leave';
  const line = reservation.items.find((item) => item.productId === productId);
  // A reserve that died after recording the reservation as reserved, before committing this line.
  if (line?.state === 'sold' && line.lease === hold.lease && hold.from === 'stock') return 'sold';
  return sourceOf(hold);
}

import { AppError } from '@shop/shared/core';
import { returnReservationStock, type ReturnStockDeps } from './return-reservation-stock.js';
import type { StockMetrics } from './stock-metrics.js';
import { newLease, settleOldHold } from './stock-holds.js';

export interface SweepStaleReservationsDeps extends ReturnStockDeps {
  stockMetrics: StockMetrics;
}

export interface SweepStaleReservationsOptions {
  /** A reservation unchanged, or a hold kept, this long is taken to be abandoned. */
  timeoutMs: number;
  /** At most this many reservations, and holds from this many products, per round; the rest wait for the next one. */
  limit?: number;
  now?: Date;
}

// A type, not an interface, so it fits the sweeper's `Record<string, number>` counts.
export type SweepStaleReservationsResult = { released: number; holdsSettled: number; failed: number };

/**
 * Repairs what a crash (or a call stalled past the timeout) left half-done, in two passes:
 *
 * 1. Reservations left pending or releasing: taken over under a new lease (so the old call's
 *    writes no longer count), every line's units returned to stock from wherever they are, then
 *    marked released, so a late reserve with that order id is refused (409 RESERVATION.RELEASED).
 * 2. Holds the product documents still carry past the timeout, the product being the source of
 *    truth: a hold whose reservation was recorded as reserved under the hold's lease is
 *    committed to `sold` (the reserve died before committing it); any other hold whose
 *    reservation is settled or missing goes back where it came from (stock-holds.ts).
 *
 * Every unit move is an atomic update of one product guarded by the hold, so sweeps running at
 * once, or a sweep racing a live call, move each unit once. A crash in a sweep leaves the same
 * kinds of state, which the next round repairs.
 */
export async function sweepStaleReservations(
  deps: SweepStaleReservationsDeps,
  { timeoutMs, limit = 100, now = new Date() }: SweepStaleReservationsOptions,
): Promise<SweepStaleReservationsResult> {
  const { reservations, products, logger } = deps;
  // The cut-off is fixed for the round: a reservation taken over now is fresh and not seen twice.
  const olderThan = new Date(now.getTime() - timeoutMs);
  let released = 0;
  let failed = 0;
  for (let taken = 0; taken < limit; taken++) {
    const lease = newLease();
    const stale = await reservations.claimStale(olderThan, lease);
    if (stale === null) break;
    logger.warn({ orderId: stale.orderId }, 'rolling back an abandoned reservation');
    try {
      await returnReservationStock(deps, stale, lease);
      if (await reservations.markReleased(stale.orderId, lease)) {
        deps.stockMetrics.reservationsExpired(1);
        released++;
      }
    } catch (error) {
      // Another sweep took it over meanwhile (it was stalled past the timeout), or a line keeps
      // changing under it; a later round finishes it.
      if (!(error instanceof AppError)) throw error;
      logger.warn(
        { err: error, orderId: stale.orderId },
        'rolling back an abandoned reservation did not finish; retrying next round',
      );
      failed++;
    }
  }

  let holdsSettled = 0;
  for (const { productId, hold } of await products.findHoldsOlderThan(olderThan, limit)) {
    const to = settleOldHold(productId, hold, await reservations.findById(hold.orderId));
    if (to === 'leave') continue;
    if (await products.settleHold(productId, hold, to)) {
      logger.warn(
        { orderId: hold.orderId, productId, quantity: hold.quantity, from: hold.from, to },
        'settled a hold left behind',
      );
      holdsSettled++;
    }
  }
  return { released, holdsSettled, failed };
}

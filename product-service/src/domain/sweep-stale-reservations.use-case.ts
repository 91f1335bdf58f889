import { giveBackApplied, type ReservationDependencies } from './reservation.use-cases.js';

export interface SweepStaleReservationsOptions {
  /** A reservation unchanged for this long in pending or releasing is taken to be abandoned. */
  timeoutMs: number;
  /** At most this many reservations per round; the rest wait for the next one. */
  limit?: number;
}

// A type, not an interface, so it fits the sweeper's `Record<string, number>` counts.
export type SweepStaleReservationsResult = { released: number };

/**
 * Rolls back reservations whose reserve or release call died half-way (the process crashed
 * between two writes): every line still recorded as applied gets its stock back, then the
 * reservation is `released`, so a late reserve with that order id is refused (409 RESERVATION.RELEASED).
 *
 * Exactly once: claimStale moves the reservation to `releasing` in one conditional update, so
 * a stalled reserve can neither record more lines nor mark it reserved; each line's stock is
 * returned only by the caller that withdraws it from appliedProductIds. A crash in this sweep
 * leaves the reservation `releasing`, and a later round finishes it.
 *
 * Remaining windows, all of which lose units rather than sell them twice: a crash between
 * taking a line and recording it, or between withdrawing a line and returning it.
 */
export async function sweepStaleReservations(
  deps: ReservationDependencies,
  { timeoutMs, limit = 100 }: SweepStaleReservationsOptions,
): Promise<SweepStaleReservationsResult> {
  const { reservations, logger } = deps;
  // The cut-off is fixed for the round: a reservation claimed now is fresh and not seen twice.
  const olderThan = new Date(Date.now() - timeoutMs);
  let released = 0;
  while (released < limit) {
    const stale = await reservations.claimStale(olderThan);
    if (stale === null) break;
    logger.warn({ orderId: stale.orderId, appliedProductIds: stale.appliedProductIds }, 'rolling back an abandoned reservation');
    await giveBackApplied(deps, stale.orderId, stale.items);
    await reservations.markReleased(stale.orderId);
    released++;
  }
  return { released };
}

import type { ReleasedReservation } from './reservation.js';
import { ReservationInProgressError } from './reservation.errors.js';
import { returnReservationStock, type ReturnStockDeps } from './return-reservation-stock.js';
import { newLease } from './stock-holds.js';

// A claim can lose to a call that is just removing its failed reservation; a few rounds settle it.
const MAX_ROUNDS = 3;

/**
 * Gives a reservation's units back to stock, once, whoever else calls too; releasing a released
 * or unknown order id answers released again (idempotent).
 */
export async function releaseReservation(deps: ReturnStockDeps, orderId: string): Promise<ReleasedReservation> {
  const { reservations } = deps;
  const released: ReleasedReservation = { orderId, status: 'released' };
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const lease = newLease();
    const claimed = await reservations.claimRelease(orderId, lease);
    if (claimed !== null) {
      await returnReservationStock(deps, claimed, lease);
      if (!(await reservations.markReleased(orderId, lease))) throw new ReservationInProgressError(orderId);
      return released;
    }
    const existing = await reservations.findById(orderId);
    if (existing === null) {
      // A release that overtakes its reservation leaves a tombstone so the late reserve takes nothing.
      if (await reservations.insertTombstone(orderId, lease)) return released;
      continue;
    }
    if (existing.status === 'released') return released;
    if (existing.status === 'pending' || existing.status === 'releasing') throw new ReservationInProgressError(orderId);
  }
  throw new ReservationInProgressError(orderId);
}

import type { Logger } from '@shop/shared/core';
import type { ProductStore } from './product.js';
import type { Reservation, ReservationLine, ReservationStore } from './reservation.js';
import { ReservationInProgressError } from './reservation.errors.js';
import { nextReturnStep } from './stock-holds.js';

/** What giving a reservation's stock back needs: the release and the sweep pass it on. */
export interface ReturnStockDeps {
  products: ProductStore;
  reservations: ReservationStore;
  logger: Logger;
}

// A line needs at most six steps from any state (sold: finish the commit, returning, unsell,
// moving, settle, returned); more means another call keeps changing it.
const MAX_STEPS = 12;

/**
 * Gives one line of a reservation that `lease` is releasing back to stock, from wherever a
 * crash, a concurrent call or a taken-over call left it (stock-holds.ts). Throws
 * ReservationInProgressError when `lease` no longer owns the reservation (a sweep took it over
 * and finishes the job).
 */
async function returnLine(
  { products, reservations, logger }: ReturnStockDeps,
  orderId: string,
  lease: string,
  line: ReservationLine,
): Promise<void> {
  for (let step = 1; step <= MAX_STEPS; step++) {
    const reservation = await reservations.findById(orderId);
    if (reservation?.status !== 'releasing' || reservation.lease !== lease)
      throw new ReservationInProgressError(orderId);
    const stored = reservation.items.find((item) => item.productId === line.productId);
    if (stored === undefined) return;
    const hold = await products.findHold(line.productId, orderId);
    const next = nextReturnStep(stored, hold, lease);
    switch (next.kind) {
      case 'done':
        return;
      case 'settle':
        // A hold settled by someone else meanwhile is fine: the next round reads the new state.
        if (hold !== null) await products.settleHold(line.productId, hold, next.to);
        break;
      case 'move-line':
        await reservations.moveLine(orderId, lease, line.productId, next.from, next.to);
        break;
      case 'unsell':
        if (!(await products.unsell(line.productId, { orderId, quantity: line.quantity, lease }))) {
          const [current, inventory] = await Promise.all([
            products.findHold(line.productId, orderId),
            products.findInventory(line.productId),
          ]);
          if (current === null && (inventory === null || inventory.sold < line.quantity)) {
            // Not a race: the units are not in `sold` (a product or reservation edited by hand, or
            // one from before holds existed). Nothing can be given back; never invent units.
            logger.error(
              { orderId, productId: line.productId, quantity: line.quantity, sold: inventory?.sold },
              'sold units missing; line closed without returning stock',
            );
            await reservations.moveLine(
              orderId,
              lease,
              line.productId,
              { state: 'returning', lease },
              { state: 'returned', lease },
            );
          }
        }
        break;
    }
  }
  throw new ReservationInProgressError(orderId);
}

/** Gives every line of a reservation that `lease` is releasing back to stock; see returnLine. */
export async function returnReservationStock(
  deps: ReturnStockDeps,
  reservation: Reservation,
  lease: string,
): Promise<void> {
  for (const line of reservation.items) await returnLine(deps, reservation.orderId, lease, line);
}

import type { Logger } from '@shop/shared';
import type { ProductRepository } from './product.js';
import { ProductNotFoundError } from './product.errors.js';
import {
  hasSameLines,
  sortLines,
  toReservationView,
  type ReleaseView,
  type Reservation,
  type ReservationLine,
  type ReservationRepository,
  type ReservationView,
  type ReservedLine,
} from './reservation.js';
import { InsufficientStockError, ReservationInProgressError, ReservationMismatchError, ReservationReleasedError } from './reservation.errors.js';
import type { ReserveStockInput } from './reservation.schemas.js';

export interface ReserveResult {
  reservation: ReservationView;
  /** True when the key was already reserved with these items and nothing changed. */
  isReplay: boolean;
}

export interface ReservationUseCases {
  reserveStock(input: ReserveStockInput): Promise<ReserveResult>;
  releaseReservation(orderId: string): Promise<ReleaseView>;
}

// A claim can lose to a call that is just removing its failed reservation; a few rounds settle it.
const MAX_ROUNDS = 3;

interface Dependencies {
  products: ProductRepository;
  reservations: ReservationRepository;
  logger: Logger;
}

export function createReservationUseCases({ products, reservations, logger }: Dependencies): ReservationUseCases {
  /** The answer for a key that is already taken: a replay, or why it cannot be reserved. */
  function answerExisting(existing: Reservation, lines: ReservationLine[]): ReserveResult {
    if (existing.status === 'released' || existing.status === 'releasing') throw new ReservationReleasedError(existing.orderId);
    if (!hasSameLines(existing.items, lines)) throw new ReservationMismatchError(existing.orderId);
    if (existing.status === 'pending') throw new ReservationInProgressError(existing.orderId);
    const reserved = existing.items.map((line) => ({ ...line, name: line.name ?? '', unitPriceCents: line.unitPriceCents ?? 0 }));
    return { reservation: toReservationView(existing.orderId, reserved), isReplay: true };
  }

  async function giveBack(lines: ReservationLine[]): Promise<void> {
    for (const line of lines) {
      const product = await products.adjustStock(line.productId, line.quantity);
      if (product === null) logger.warn({ productId: line.productId, quantity: line.quantity }, 'product vanished; stock not returned');
    }
  }

  /** Takes every line or none; on failure the taken lines are returned and the claim removed. */
  async function takeAll(orderId: string, lines: ReservationLine[]): Promise<ReservedLine[]> {
    const taken: ReservedLine[] = [];
    for (const line of lines) {
      const product = await products.adjustStock(line.productId, -line.quantity);
      if (product === null) {
        await giveBack(taken);
        // Only once the stock is back: a reservation left pending records what a repair must return.
        await reservations.removePending(orderId);
        const current = await products.findById(line.productId);
        if (current === null) throw new ProductNotFoundError(line.productId);
        throw new InsufficientStockError(line.productId, current.name);
      }
      taken.push({ ...line, name: product.name, unitPriceCents: product.priceCents });
      await reservations.recordApplied(orderId, line.productId);
    }
    return taken;
  }

  return {
    async reserveStock({ orderId, items }) {
      // One global order of products keeps concurrent reservations from starving each other in cycles.
      const lines = sortLines(items);
      for (let round = 1; round <= MAX_ROUNDS; round++) {
        if (await reservations.claim(orderId, lines)) {
          const taken = await takeAll(orderId, lines);
          await reservations.markReserved(orderId, taken);
          return { reservation: toReservationView(orderId, taken), isReplay: false };
        }
        const existing = await reservations.findById(orderId);
        if (existing !== null) return answerExisting(existing, lines);
      }
      throw new ReservationInProgressError(orderId);
    },

    async releaseReservation(orderId) {
      const released: ReleaseView = { orderId, status: 'released' };
      for (let round = 1; round <= MAX_ROUNDS; round++) {
        const claimed = await reservations.claimRelease(orderId);
        if (claimed !== null) {
          await giveBack(claimed.items);
          await reservations.markReleased(orderId);
          return released;
        }
        const existing = await reservations.findById(orderId);
        if (existing === null) {
          // A release that overtakes its reservation leaves a tombstone so the late reserve takes nothing.
          if (await reservations.insertTombstone(orderId)) return released;
          continue;
        }
        if (existing.status === 'released') return released;
        if (existing.status === 'pending' || existing.status === 'releasing') throw new ReservationInProgressError(orderId);
      }
      throw new ReservationInProgressError(orderId);
    },
  };
}

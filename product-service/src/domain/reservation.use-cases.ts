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

export interface ReservationDependencies {
  products: ProductRepository;
  reservations: ReservationRepository;
  logger: Logger;
}

async function returnStock({ products, logger }: ReservationDependencies, line: ReservationLine): Promise<void> {
  const product = await products.adjustStock(line.productId, line.quantity);
  if (product === null) logger.warn({ productId: line.productId, quantity: line.quantity }, 'product vanished; stock not returned');
}

/**
 * Gives back the lines of `lines` still recorded as applied, each exactly once however many
 * callers (a failing reserve, a release, sweeps) try at the same time: only the caller whose
 * withdrawal removed the product id from the reservation returns its stock.
 */
export async function giveBackApplied(deps: ReservationDependencies, orderId: string, lines: ReservationLine[]): Promise<void> {
  for (const line of lines) {
    // Withdraw, then return. Without a transaction the two writes can be split by a crash; in
    // this order the crash loses the line's units (stock too low until an admin corrects it)
    // instead of returning them twice, which would let them be sold twice.
    if (await deps.reservations.withdrawApplied(orderId, line.productId)) await returnStock(deps, line);
  }
}

export function createReservationUseCases(deps: ReservationDependencies): ReservationUseCases {
  const { products, reservations } = deps;

  /** The answer for a key that is already taken: a replay, or why it cannot be reserved. */
  function answerExisting(existing: Reservation, lines: ReservationLine[]): ReserveResult {
    if (existing.status === 'released' || existing.status === 'releasing') throw new ReservationReleasedError(existing.orderId);
    if (!hasSameLines(existing.items, lines)) throw new ReservationMismatchError(existing.orderId);
    if (existing.status === 'pending') throw new ReservationInProgressError(existing.orderId);
    const reserved = existing.items.map((line) => ({ ...line, name: line.name ?? '', unitPriceCents: line.unitPriceCents ?? 0 }));
    return { reservation: toReservationView(existing.orderId, reserved), isReplay: true };
  }

  /** Takes every line or none; on failure the taken lines are returned and the claim removed. */
  async function takeAll(orderId: string, lines: ReservationLine[]): Promise<ReservedLine[]> {
    const taken: ReservedLine[] = [];
    for (const line of lines) {
      const product = await products.adjustStock(line.productId, -line.quantity);
      if (product === null) {
        await giveBackApplied(deps, orderId, taken);
        // Only once the stock is back: a reservation left pending records what a repair must return.
        await reservations.removePending(orderId);
        const current = await products.findById(line.productId);
        if (current === null) throw new ProductNotFoundError(line.productId);
        throw new InsufficientStockError(line.productId, current.name);
      }
      if (!(await reservations.recordApplied(orderId, line.productId))) {
        // This call stalled past RESERVATION_TIMEOUT_MS and a sweep took the reservation over; the
        // sweep returns the recorded lines, this unrecorded one is ours to return.
        await returnStock(deps, line);
        throw new ReservationReleasedError(orderId);
      }
      taken.push({ ...line, name: product.name, unitPriceCents: product.priceCents });
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
          // Not pending any more: a sweep took it over and is giving every taken line back.
          if (!(await reservations.markReserved(orderId, taken))) throw new ReservationReleasedError(orderId);
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
          await giveBackApplied(deps, orderId, claimed.items);
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

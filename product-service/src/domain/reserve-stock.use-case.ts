import type { ProductStore, StockHold } from './product.js';
import { InsufficientStockError, ProductNotFoundError } from './product.errors.js';
import {
  hasSameLines,
  sortLines,
  type Reservation,
  type ReservationLine,
  type ReservationStore,
  type ReservedLine,
  type ReservedStock,
} from './reservation.js';
import {
  ReservationInProgressError,
  ReservationMismatchError,
  ReservationReleasedError,
} from './reservation.errors.js';
import type { ReserveStockInput } from './reservation.schemas.js';
import { newLease } from './stock-holds.js';

export interface ReserveStockDeps {
  products: ProductStore;
  reservations: ReservationStore;
}

export interface ReserveStockResult {
  reservation: ReservedStock;
  /** True when the key was already reserved with these items and nothing changed. */
  isReplay: boolean;
}

// A claim can lose to a call that is just removing its failed reservation; a few rounds settle it.
const MAX_ROUNDS = 3;

/**
 * The order saga's stock step: takes every line's units for the order, or none. Keyed by the
 * order id, so a repeated call with the same items answers the first result and takes nothing
 * twice (see the product-service README and stock-holds.ts for why a crash loses no unit).
 */
export async function reserveStock(
  deps: ReserveStockDeps,
  { orderId, items }: ReserveStockInput,
): Promise<ReserveStockResult> {
  const { products, reservations } = deps;
  // One global order of products keeps concurrent reservations from starving each other in cycles.
  const lines = sortLines(items);
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const lease = newLease();
    if (await reservations.claim(orderId, lines, lease)) {
      const held = await holdAll(deps, orderId, lease, lines);
      const reserved = held.map((h) => h.line);
      if (!(await reservations.markReserved(orderId, lease, reserved))) {
        // This call stalled past RESERVATION_TIMEOUT_MS and a sweep took the reservation over.
        await giveBack(products, held);
        throw new ReservationReleasedError(orderId);
      }
      // The reservation now says "sold" for each line under this lease: commit the holds. If this
      // process dies here, the sweep commits what is left (stock-holds.ts, settleOldHold).
      for (const { productId, hold } of held) await products.settleHold(productId, hold, 'sold');
      return { reservation: { orderId, items: reserved }, isReplay: false };
    }
    const existing = await reservations.findById(orderId);
    if (existing !== null) return answerExisting(existing, lines);
  }
  throw new ReservationInProgressError(orderId);
}

/** The answer for a key that is already taken: a replay, or why it cannot be reserved. */
function answerExisting(existing: Reservation, lines: ReservationLine[]): ReserveStockResult {
  if (existing.status === 'released' || existing.status === 'releasing')
    throw new ReservationReleasedError(existing.orderId);
  if (!hasSameLines(existing.items, lines)) throw new ReservationMismatchError(existing.orderId);
  if (existing.status === 'pending') throw new ReservationInProgressError(existing.orderId);
  const reserved = existing.items.map((line) => ({
    productId: line.productId,
    quantity: line.quantity,
    name: line.name ?? '',
    unitPriceCents: line.unitPriceCents ?? 0,
  }));
  return { reservation: { orderId: existing.orderId, items: reserved }, isReplay: true };
}

/** Why a hold could not be placed: a missing product, short stock, or a hold of an earlier call. */
async function refusal(products: ProductStore, orderId: string, line: ReservationLine): Promise<Error> {
  const product = await products.findById(line.productId);
  if (product === null) return new ProductNotFoundError(line.productId);
  // Nearly always short stock; a hold left by an earlier call with this key is the rare other case.
  if ((await products.findHold(line.productId, orderId)) !== null) return new ReservationInProgressError(orderId);
  return new InsufficientStockError(line.productId, product.name);
}

/** Gives back the holds this call placed; each settles once, whoever else tries too. */
async function giveBack(products: ProductStore, held: { productId: string; hold: StockHold }[]): Promise<void> {
  for (const { productId, hold } of held) await products.settleHold(productId, hold, 'stock');
}

/** Places a hold per line, or none: on failure the holds placed are given back and the claim removed. */
async function holdAll(
  { products, reservations }: ReserveStockDeps,
  orderId: string,
  lease: string,
  lines: ReservationLine[],
) {
  const held: { productId: string; hold: StockHold; line: ReservedLine }[] = [];
  for (const line of lines) {
    const placed = await products.placeHold(line.productId, { orderId, quantity: line.quantity, lease });
    if (placed === null) {
      await giveBack(products, held);
      // Only once the stock is back: until then the pending reservation lets a sweep finish the job.
      await reservations.removePending(orderId, lease);
      throw await refusal(products, orderId, line);
    }
    const { product, hold } = placed;
    held.push({
      productId: line.productId,
      hold,
      line: { ...line, name: product.name, unitPriceCents: product.priceCents },
    });
  }
  return held;
}

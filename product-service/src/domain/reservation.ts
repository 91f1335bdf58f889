import { fromCents } from '@shop/shared';

/**
 * pending: the key is claimed and stock is being taken; reserved: every line is taken;
 * releasing: one caller is giving the stock back; released: stock returned (or never taken:
 * a tombstone written by a release that arrived before its reservation).
 */
export type ReservationStatus = 'pending' | 'reserved' | 'releasing' | 'released';

export interface ReservationLine {
  productId: string;
  quantity: number;
}

/** A line once its stock is taken: the name and price the order will keep. */
export interface ReservedLine extends ReservationLine {
  name: string;
  unitPriceCents: number;
}

export interface Reservation {
  orderId: string;
  status: ReservationStatus;
  items: (ReservationLine & Partial<Pick<ReservedLine, 'name' | 'unitPriceCents'>>)[];
  /** Lines whose stock is taken and not yet given back, so a failure or a sweep knows what to return. */
  appliedProductIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface ReservationView {
  orderId: string;
  status: 'reserved';
  items: { productId: string; name: string; quantity: number; unitPrice: number }[];
}

export interface ReleaseView {
  orderId: string;
  status: 'released';
}

/** The port the reservation use cases need; data-access/reservation.repository.ts implements it. */
export interface ReservationRepository {
  /** Inserts a pending reservation keyed by the order id; false when the key already exists. */
  claim(orderId: string, lines: ReservationLine[]): Promise<boolean>;
  findById(orderId: string): Promise<Reservation | null>;
  /** Records a taken line on a pending reservation; false when it is no longer pending (a sweep took it over). */
  recordApplied(orderId: string, productId: string): Promise<boolean>;
  /**
   * Removes the product from `appliedProductIds`; true only for the one caller that removed it,
   * which then owes that line's stock back. This is what makes each give-back happen once.
   */
  withdrawApplied(orderId: string, productId: string): Promise<boolean>;
  /** Deletes a pending reservation whose stock has been given back. */
  removePending(orderId: string): Promise<void>;
  /** pending -> reserved; false when it is no longer pending (a sweep took it over). */
  markReserved(orderId: string, lines: ReservedLine[]): Promise<boolean>;
  /** Moves reserved -> releasing in one conditional update; null when it was not reserved. */
  claimRelease(orderId: string): Promise<Reservation | null>;
  /**
   * Takes over one reservation left pending or releasing with no change since `olderThan`
   * (its process died mid-call): moves it to releasing and refreshes its update time, so a
   * concurrent sweep does not pick it too. Null when there is none.
   */
  claimStale(olderThan: Date): Promise<Reservation | null>;
  markReleased(orderId: string): Promise<void>;
  /** Inserts a released reservation with no lines; false when the key already exists. */
  insertTombstone(orderId: string): Promise<boolean>;
}

export function sortLines<T extends ReservationLine>(lines: T[]): T[] {
  return [...lines].sort((a, b) => a.productId.localeCompare(b.productId));
}

/** Same products and quantities, whatever the order of the lines. */
export function hasSameLines(a: ReservationLine[], b: ReservationLine[]): boolean {
  if (a.length !== b.length) return false;
  const left = sortLines(a);
  const right = sortLines(b);
  return left.every((line, i) => line.productId === right[i]?.productId && line.quantity === right[i]?.quantity);
}

export function toReservationView(orderId: string, lines: ReservedLine[]): ReservationView {
  return {
    orderId,
    status: 'reserved',
    items: lines.map((line) => ({ productId: line.productId, name: line.name, quantity: line.quantity, unitPrice: fromCents(line.unitPriceCents) })),
  };
}

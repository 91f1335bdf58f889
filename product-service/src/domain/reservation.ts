/**
 * pending: the key is claimed and stock is being taken; reserved: every line is taken and
 * committed to `sold`; releasing: one call (the reservation's current lease) is giving the units
 * back; released: units returned (or never taken: a tombstone written by a release that arrived
 * before its reservation).
 */
export type ReservationStatus = 'pending' | 'reserved' | 'releasing' | 'released';

/**
 * Where one line stands; with the product's hold for the order (if any) this says where its
 * units are (see stock-holds.ts). open: in stock or in a hold from stock (never committed);
 * sold: in a hold from stock placed under `lease`, or in `sold`; returning: in `sold`, or in a
 * hold from sold placed under `lease`; moving: in that hold, or back in stock; returned: in stock.
 */
export type LineState = 'open' | 'sold' | 'returning' | 'moving' | 'returned';

export interface ReservationLine {
  productId: string;
  quantity: number;
}

/** A line once its stock is taken: the name and price the order will keep. */
export interface ReservedLine extends ReservationLine {
  name: string;
  unitPriceCents: number;
}

export interface StoredLine extends ReservationLine, Partial<Pick<ReservedLine, 'name' | 'unitPriceCents'>> {
  state: LineState;
  /** The lease of the call that moved the line to its state (absent while open). */
  lease?: string;
}

/** One line's state and the lease it was set under; what a line transition is conditional on. */
export interface LineStep {
  state: LineState;
  lease: string;
}

export interface Reservation {
  orderId: string;
  status: ReservationStatus;
  /**
   * A random id of the call that owns the reservation now. Claiming, releasing and a sweep's
   * takeover each set a new one, and every later write of that call is conditional on it, so a
   * call that stalled past RESERVATION_TIMEOUT_MS and was taken over can no longer change the
   * reservation; the holds it placed carry its lease and are settled by rule (stock-holds.ts).
   */
  lease: string;
  items: StoredLine[];
  createdAt: Date;
  updatedAt: Date;
}

/** What a reserve answers: every line with the name and price the order will keep. */
export interface ReservedStock {
  orderId: string;
  items: ReservedLine[];
}

/** What a release answers, whether this call gave the stock back or an earlier one did. */
export interface ReleasedReservation {
  orderId: string;
  status: 'released';
}

/** What the reservation use cases need from storage; data-access/reservation.repository.ts implements it. */
export interface ReservationStore {
  /** Inserts a pending reservation with open lines, owned by `lease`; false when the key already exists. */
  claim(orderId: string, lines: ReservationLine[], lease: string): Promise<boolean>;
  findById(orderId: string): Promise<Reservation | null>;
  /** Deletes a pending reservation still owned by `lease` (its stock has been given back). */
  removePending(orderId: string, lease: string): Promise<void>;
  /** pending -> reserved, every line `sold` under `lease`; false when `lease` no longer owns it pending (a sweep took it over). */
  markReserved(orderId: string, lease: string, lines: ReservedLine[]): Promise<boolean>;
  /** reserved -> releasing under a new lease, in one conditional update; null when it was not reserved. */
  claimRelease(orderId: string, lease: string): Promise<Reservation | null>;
  /**
   * Takes over one reservation left pending or releasing with no change since `olderThan` (the
   * call died or stalled): moves it to releasing under `lease`, which also refreshes its update
   * time, so a concurrent sweep does not pick it too. Null when there is none.
   */
  claimStale(olderThan: Date, lease: string): Promise<Reservation | null>;
  /** Moves one line from `from` to `to`, only while the reservation is releasing under `lease`; false otherwise. */
  moveLine(orderId: string, lease: string, productId: string, from: LineStep, to: LineStep): Promise<boolean>;
  /** releasing -> released, only under `lease`; false when another call owns it now. */
  markReleased(orderId: string, lease: string): Promise<boolean>;
  /** Inserts a released reservation with no lines; false when the key already exists. */
  insertTombstone(orderId: string, lease: string): Promise<boolean>;
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

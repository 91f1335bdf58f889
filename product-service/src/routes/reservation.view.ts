import { fromCents } from '@shop/shared/core';
import type { ReleasedReservation, ReservedStock } from '../domain/reservation.js';

/** What order-service keeps of a reservation: per line the name and the decimal unit price at the time. */
export interface ReservationView {
  orderId: string;
  status: 'reserved';
  items: { productId: string; name: string; quantity: number; unitPrice: number }[];
}

export interface ReleaseView {
  orderId: string;
  status: 'released';
}

export function toReservationView(reserved: ReservedStock): ReservationView {
  return {
    orderId: reserved.orderId,
    status: 'reserved',
    items: reserved.items.map((line) => ({
      productId: line.productId,
      name: line.name,
      quantity: line.quantity,
      unitPrice: fromCents(line.unitPriceCents),
    })),
  };
}

export function toReleaseView(released: ReleasedReservation): ReleaseView {
  return { orderId: released.orderId, status: released.status };
}

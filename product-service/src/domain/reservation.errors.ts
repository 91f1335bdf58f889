import { ConflictError } from '@shop/shared/core';

export class ReservationMismatchError extends ConflictError {
  constructor(orderId: string) {
    super('RESERVATION.MISMATCH', `Reservation ${orderId} already exists with different items`, {
      extensions: { orderId },
    });
  }
}

/** Another call with the same key is still taking or giving back stock; retry later. */
export class ReservationInProgressError extends ConflictError {
  constructor(orderId: string) {
    super('RESERVATION.IN_PROGRESS', `Reservation ${orderId} is being processed by another request`, {
      extensions: { orderId },
      headers: { 'Retry-After': '1' },
    });
  }
}

export class ReservationReleasedError extends ConflictError {
  constructor(orderId: string) {
    super('RESERVATION.RELEASED', `Reservation ${orderId} has been released and cannot be reserved again`, {
      extensions: { orderId },
    });
  }
}

import { AppError, ConflictError, NotFoundError } from '@shop/shared';

export class OrderNotFoundError extends NotFoundError {
  constructor(orderId: string) {
    super('ORDER.NOT_FOUND', `Order ${orderId} does not exist`);
  }
}

export class OrderInProgressError extends ConflictError {
  constructor() {
    super('ORDER.IN_PROGRESS', 'An order with this Idempotency-Key is still being placed; retry shortly', { headers: { 'Retry-After': '1' } });
  }
}

export class IdempotencyKeyReusedError extends AppError {
  constructor() {
    super('ORDER.IDEMPOTENCY_KEY_REUSED', 422, 'This Idempotency-Key was already used for a different order');
  }
}

export class InsufficientStockError extends ConflictError {
  constructor(detail: string, productId: unknown) {
    super('ORDER.INSUFFICIENT_STOCK', detail, { extensions: { productId } });
  }
}

export class UnknownProductError extends AppError {
  constructor(detail: string, productId: unknown) {
    super('ORDER.UNKNOWN_PRODUCT', 422, detail, { extensions: { productId } });
  }
}

export class UnknownUserError extends AppError {
  constructor() {
    super('ORDER.UNKNOWN_USER', 422, 'The account placing the order does not exist');
  }
}

export class OrderNotCancellableError extends ConflictError {
  constructor(status: string) {
    super('ORDER.NOT_CANCELLABLE', `An order that is ${status} cannot be cancelled`);
  }
}

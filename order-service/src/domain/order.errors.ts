import { AppError, ConflictError, NotFoundError } from '@shop/shared/core';

/**
 * Also the answer for an order that exists but belongs to someone else: the detail names no id,
 * so the two answers are the same byte for byte (bar the request id) and reveal nothing.
 */
export class OrderNotFoundError extends NotFoundError {
  constructor() {
    super('ORDER.NOT_FOUND', 'No order has this id');
  }
}

/**
 * user-service's code and wording for an account the caller may not see (GET /users/:id), used by
 * GET /users/:userId/orders for another user's id, so the two answers under /users/:id agree.
 */
export class UserNotVisibleError extends NotFoundError {
  constructor() {
    super('USER.NOT_FOUND', 'No user has this id');
  }
}

export class OrderInProgressError extends ConflictError {
  constructor() {
    super('ORDER.IN_PROGRESS', 'An order with this Idempotency-Key is still being placed; retry shortly', {
      headers: { 'Retry-After': '1' },
    });
  }
}

export class IdempotencyKeyReusedError extends AppError {
  constructor() {
    super('ORDER.IDEMPOTENCY_KEY_REUSED', 422, 'This Idempotency-Key was already used for a different order');
  }
}

export class InsufficientStockError extends ConflictError {
  constructor(detail: string, productId: unknown) {
    super('STOCK.INSUFFICIENT', detail, { extensions: { productId } });
  }
}

export class UnknownProductError extends AppError {
  constructor(detail: string, productId: unknown) {
    super('PRODUCT.NOT_FOUND', 422, detail, { extensions: { productId } });
  }
}

export class UnknownUserError extends AppError {
  constructor() {
    super('USER.NOT_FOUND', 422, 'The account placing the order does not exist');
  }
}

/** user-service's code for an account an admin disabled: it may not place orders. */
export class UserDisabledError extends AppError {
  constructor() {
    super('USER.DISABLED', 403, 'This account is disabled');
  }
}

export class CancelInProgressError extends ConflictError {
  constructor() {
    super('ORDER.CANCEL_IN_PROGRESS', 'Another request is cancelling this order; retry shortly', {
      headers: { 'Retry-After': '1' },
    });
  }
}

export class OrderNotCancellableError extends ConflictError {
  constructor(status: string) {
    super('ORDER.NOT_CANCELLABLE', `An order that is ${status} cannot be cancelled`);
  }
}

/**
 * product-service answered 2xx with something that is not a valid answer to what was asked
 * (wrong shape, a line dropped, added or changed, a price that is not positive whole cents).
 * In the UPSTREAM.* family of the shared ServiceClient errors. `problems` are for the log only:
 * they never reach the response.
 */
export class UpstreamInvalidResponseError extends AppError {
  constructor(
    readonly target: string,
    readonly problems: string[],
  ) {
    super('UPSTREAM.INVALID_RESPONSE', 502, `${target} answered with an invalid response`);
  }
}

import { AppError, ConflictError } from '@shop/shared/core';

export class ProductNotFoundError extends AppError {
  constructor(productId: string) {
    super('PRODUCT.NOT_FOUND', 404, `Product ${productId} was not found`, { extensions: { productId } });
  }
}

/** An admin stock change would take the stock below zero. */
export class InsufficientProductStockError extends ConflictError {
  constructor(productId: string) {
    super('PRODUCT.INSUFFICIENT_STOCK', `Product ${productId} does not have enough stock for this change`, {
      extensions: { productId },
    });
  }
}

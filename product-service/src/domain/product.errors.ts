import { AppError, ConflictError } from '@shop/shared/core';

export class ProductNotFoundError extends AppError {
  constructor(productId: string) {
    super('PRODUCT.NOT_FOUND', 404, `Product ${productId} was not found`, { extensions: { productId } });
  }
}

/** Not enough stock, for a reservation line or an admin stock change; the one code for the concept system-wide. */
export class InsufficientStockError extends ConflictError {
  constructor(productId: string, productName: string) {
    super('STOCK.INSUFFICIENT', `Not enough stock for product "${productName}" (${productId})`, {
      extensions: { productId },
    });
  }
}

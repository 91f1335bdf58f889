import type { OrderLine, PricedLine } from './order.js';

/** product-service as the saga needs it; implemented by clients/product-service.client.ts. */
export interface StockReservations {
  /**
   * Reserves every line or none; the order id is the idempotency key. Throws
   * UpstreamInvalidResponseError (502) for an answer that is not a well-formed reservation of
   * this order; the reservation may then exist and must be released.
   */
  reserve(orderId: string, items: OrderLine[]): Promise<PricedLine[]>;
  /** Gives the stock back; safe to repeat. */
  release(orderId: string): Promise<void>;
  /** Throws at once (503) while product-service's circuit is open: no reservation could succeed. */
  assertAvailable(): void;
}

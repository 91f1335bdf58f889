/** What an order event says happened to an order's line for one product. */
export type SaleTransition = 'confirmed' | 'cancelled';

export interface SaleChange {
  orderId: string;
  productId: string;
  quantity: number;
  transition: SaleTransition;
  /** The event that reported it (kept on the line, for tracing it back). */
  eventId: string;
}

export interface RecordedSale {
  /** True when this call recorded the transition; false when the line already had it. */
  isChanged: boolean;
  /** Moves on with every change of the line. */
  version: number;
}

/**
 * One record per order and product, saying whether the order was confirmed and whether it was
 * cancelled: the facts soldCount is counted from (data-access/sale.repository.ts).
 */
export interface SaleStore {
  /**
   * Records the transition on the order's line for the product in one single-document write
   * that only the first report of it passes (the line is created by whichever event comes first).
   */
  record(change: SaleChange): Promise<RecordedSale>;
  /** Units of the product in lines confirmed and not cancelled. */
  sumSoldUnits(productId: string): Promise<number>;
}

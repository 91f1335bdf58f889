import type { ProductStore } from './product.js';

/** What product-service reports about its stock (the port; `../metrics.ts` is the Prometheus side). */
export interface StockMetrics {
  /** Units committed to orders. */
  unitsReserved(units: number): void;
  /** Committed units given back to stock (a cancel, a compensation, or a sweep rolling back). */
  unitsReleased(units: number): void;
  /** Reservations abandoned by their saga and rolled back by the sweep. */
  reservationsExpired(count: number): void;
}

/**
 * The product store, counting units as they really move: every path that commits or returns stock
 * (a reserve, a release, a sweep, a take-over after a crash) ends in exactly one successful
 * `settleHold` per unit moved (stock-holds.ts), so counting there counts each unit once.
 */
export function countingStockMoves(products: ProductStore, metrics: StockMetrics): ProductStore {
  return {
    ...products,
    async settleHold(productId, hold, to) {
      const isSettled = await products.settleHold(productId, hold, to);
      if (isSettled && hold.from === 'stock' && to === 'sold') metrics.unitsReserved(hold.quantity);
      if (isSettled && hold.from === 'sold' && to === 'stock') metrics.unitsReleased(hold.quantity);
      return isSettled;
    },
  };
}

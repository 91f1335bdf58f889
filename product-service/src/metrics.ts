import type { Logger } from '@shop/shared/core';
import { createStoreGauge } from '@shop/shared/http';
import { Counter, type Registry } from 'prom-client';
import type { ProductStore } from './domain/product.js';
import type { StockMetrics } from './domain/stock-metrics.js';

/** product-service's business metrics on its /metrics registry (README: Metrics). */
export function createStockMetrics(registry: Registry, products: ProductStore, logger: Logger): StockMetrics {
  const reserved = new Counter({
    name: 'shop_stock_reserved_units_total',
    help: 'Units of stock committed to orders',
    registers: [registry],
  });
  const released = new Counter({
    name: 'shop_stock_released_units_total',
    help: 'Committed units given back to stock (cancels, compensations, sweeps)',
    registers: [registry],
  });
  const expired = new Counter({
    name: 'shop_reservations_expired_total',
    help: 'Reservations abandoned by their order saga and rolled back by the sweep',
    registers: [registry],
  });
  createStoreGauge({
    registry,
    name: 'shop_products_out_of_stock',
    help: 'Products with no unit left to sell',
    read: () => products.countOutOfStock(),
    logger,
  });
  return {
    unitsReserved: (units) => reserved.inc(units),
    unitsReleased: (units) => released.inc(units),
    reservationsExpired: (count) => expired.inc(count),
  };
}

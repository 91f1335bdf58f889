import type { Logger } from '@shop/shared/core';
import { createStoreGauge } from '@shop/shared/http';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { OrderMetrics } from './domain/order-metrics.js';
import type { OrderStore } from './domain/order.js';

/** order-service's business metrics on its /metrics registry (README: Metrics). */
export function createOrderMetrics(registry: Registry, orders: OrderStore, logger: Logger): OrderMetrics {
  const placed = new Counter({
    name: 'shop_orders_placed_total',
    help: 'Orders placed and confirmed (a replayed Idempotency-Key is not counted again)',
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'shop_orders_rejected_total',
    help: 'Order requests refused or failed, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const cancelled = new Counter({
    name: 'shop_orders_cancelled_total',
    help: 'Orders cancelled (by their buyer, an admin, or the sweep finishing a cancel)',
    registers: [registry],
  });
  const value = new Counter({
    name: 'shop_order_value_cents_total',
    help: 'Total value of the orders placed, in cents',
    registers: [registry],
  });
  const saga = new Histogram({
    name: 'shop_order_saga_duration_seconds',
    help: 'Time to place an order (user check, stock reservation, confirmation), by outcome (confirmed, rejected)',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  createStoreGauge({
    registry,
    name: 'shop_pending_orders',
    help: 'Orders pending now: their saga is running, or died and waits for the sweep',
    read: () => orders.countByStatus('pending'),
    logger,
  });
  return {
    placed(order, sagaSeconds) {
      placed.inc();
      value.inc(order.totalCents);
      saga.observe({ outcome: 'confirmed' }, sagaSeconds);
    },
    rejected(reason, sagaSeconds) {
      rejected.inc({ reason });
      if (sagaSeconds !== undefined) saga.observe({ outcome: 'rejected' }, sagaSeconds);
    },
    cancelled() {
      cancelled.inc();
    },
  };
}

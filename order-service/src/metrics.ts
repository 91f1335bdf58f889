import type { Logger } from '@shop/shared/core';
import { createStoreGauge } from '@shop/shared/http';
import { Counter, Histogram, type Registry } from 'prom-client';
import { ORDER_EVENT_TYPES } from '@shop/shared/events';
import type { OrderMetrics } from './domain/order-metrics.js';
import type { EventRelayMetrics, OrderOutbox } from './domain/order-outbox.js';
import type { OrderStore, OutboxEvent } from './domain/order.js';

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

export interface EventMetrics extends EventRelayMetrics {
  /** An event was stored with its state change (the repository's `onEventWritten`). */
  written(event: OutboxEvent): void;
}

/** The outbox and relay metrics (README: Metrics; docs/events.md). */
export function createEventMetrics(
  registry: Registry,
  outbox: Pick<OrderOutbox, 'backlog'>,
  logger: Logger,
): EventMetrics {
  const written = new Counter({
    name: 'shop_events_written_total',
    help: 'Order events stored in the outbox with their state change, by type',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const published = new Counter({
    name: 'shop_events_published_total',
    help: 'Order events appended to the Redis stream, by type (a republish after a crash counts again)',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'shop_event_publish_failures_total',
    help: 'Publish attempts that failed (unavailable: the events stay and are retried) and stored events dropped as invalid',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Zero series from the start, so a rate() or an alert sees 0 rather than nothing.
  for (const type of ORDER_EVENT_TYPES) {
    written.inc({ type }, 0);
    published.inc({ type }, 0);
  }
  for (const reason of ['unavailable', 'invalid'] as const) failures.inc({ reason }, 0);

  // The gauges of one scrape are collected together: they share one database read.
  let inFlight: ReturnType<typeof outbox.backlog> | undefined;
  const readBacklog = () =>
    (inFlight ??= outbox.backlog().finally(() => {
      inFlight = undefined;
    }));
  createStoreGauge({
    registry,
    name: 'shop_outbox_backlog',
    help: 'Order events written and not yet published (Redis down or slow, or the relay behind)',
    read: async () => (await readBacklog()).events,
    logger,
  });
  createStoreGauge({
    registry,
    name: 'shop_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest order event not yet published (0 when none waits)',
    read: async () => {
      const { oldest } = await readBacklog();
      return oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest.getTime()) / 1000);
    },
    logger,
  });
  return {
    written(event) {
      written.inc({ type: event.type });
    },
    published(events) {
      for (const event of events) published.inc({ type: event.type });
    },
    publishFailed(reason) {
      failures.inc({ reason });
    },
  };
}

import type { Logger } from '@shop/shared/core';
import type { StockReservations } from './stock-reservations.js';
import type { OrderMetrics } from './order-metrics.js';
import type { OrderStore } from './order.js';
import { orderCancelled, orderExpired } from './order-events.js';

export interface SweepStaleOrdersDeps {
  orders: OrderStore;
  stock: StockReservations;
  logger: Logger;
  orderMetrics: OrderMetrics;
}

export interface SweepStaleOrdersOptions {
  /** An order still pending this long after it was created is taken to be abandoned. */
  timeoutMs: number;
  /** At most this many orders per round; the rest wait for the next one. */
  limit?: number;
  now?: Date;
}

// A type, not an interface, so it fits the sweeper's `Record<string, number>` counts.
export type SweepStaleOrdersResult = { released: number; cancelled: number; failed: number };

/**
 * Finishes sagas that died half-way (order-service crashed, or compensation failed): a pending
 * order past the timeout has its reservation released, then is expired (order.expired; gone for
 * users, its idempotency key free). The release is idempotent and, for a reservation never made,
 * leaves a tombstone that refuses a late reserve. A failed release leaves the order for the next round.
 *
 * The order is marked abandoned before the release, so a saga that is merely slow cannot
 * confirm it afterwards (its confirm fails and it compensates). A crash after the release and
 * before the expiry is harmless: the next round releases again and expires it.
 *
 * It also finishes cancels that died after they started (the order is still confirmed but has
 * `cancelRequestedAt`): release again (idempotent), then mark the order cancelled.
 */
export async function sweepStaleOrders(
  { orders, stock, logger, orderMetrics }: SweepStaleOrdersDeps,
  { timeoutMs, limit = 100, now = new Date() }: SweepStaleOrdersOptions,
): Promise<SweepStaleOrdersResult> {
  const stale = await orders.findStalePending(new Date(now.getTime() - timeoutMs), limit);
  let released = 0;
  let failed = 0;
  for (const order of stale) {
    // Confirmed or deleted since the read: its saga finished after all.
    if (!(await orders.abandonPending(order.id))) continue;
    try {
      await stock.release(order.id);
    } catch (error) {
      logger.warn({ err: error, orderId: order.id }, 'releasing an abandoned order failed; retrying next round');
      failed++;
      continue;
    }
    await orders.expirePending(order.id, orderExpired(order));
    released++;
  }
  let cancelled = 0;
  for (const order of await orders.findStaleCancels(new Date(now.getTime() - timeoutMs), limit)) {
    try {
      await stock.release(order.id);
    } catch (error) {
      logger.warn({ err: error, orderId: order.id }, 'finishing an interrupted cancel failed; retrying next round');
      failed++;
      continue;
    }
    const done = await orders.transition(order.id, 'confirmed', 'cancelled', orderCancelled(order));
    if (done === null) continue;
    orderMetrics.cancelled(done);
    cancelled++;
  }
  return { released, cancelled, failed };
}

import type { Principal } from '@shop/shared/core';
import type { StockReservations } from './stock-reservations.js';
import type { OrderStore } from './order.js';
import { findVisibleOrder } from './order-access.js';
import type { OrderMetrics } from './order-metrics.js';
import { CancelInProgressError, OrderNotCancellableError } from './order.errors.js';
import type { Order } from './order.js';
import { orderCancelled } from './order-events.js';

export interface CancelOrderDeps {
  orders: OrderStore;
  stock: StockReservations;
  orderMetrics: OrderMetrics;
}

/**
 * Marks the cancel as started, releases the stock, then marks the order cancelled. If the
 * release fails the order stays confirmed (the caller may retry; the release is idempotent)
 * and the sweep finishes the cancel later.
 * Cancelling a cancelled order answers the order again; someone else's order is 404, as if missing.
 * While one cancel is releasing the stock, another answers 409 ORDER.CANCEL_IN_PROGRESS rather
 * than release it a second time.
 */
export async function cancelOrder(
  { orders, stock, orderMetrics }: CancelOrderDeps,
  principal: Principal,
  orderId: string,
): Promise<Order> {
  // Someone else's order is "not found" before anything about its state is said.
  const order = await findVisibleOrder(orders, principal, orderId);
  if (order.status === 'cancelled') return order;
  if (order.status !== 'confirmed') throw new OrderNotCancellableError(order.status);

  // Recorded first, so a cancel that dies between the release and the status change is
  // finished by the sweep instead of leaving a confirmed order whose stock was given back.
  if (!(await orders.markCancelRequested(order.id))) return answerAfterLostRace(orders, order.id);
  try {
    await stock.release(order.id);
  } catch (error) {
    // If this write fails too, the cancel stays held until the sweep finishes it.
    await orders.clearCancelInProgress(order.id).catch(() => undefined);
    throw error;
  }
  const cancelled = await orders.transition(order.id, 'confirmed', 'cancelled', orderCancelled(order));
  if (cancelled !== null) {
    orderMetrics.cancelled(cancelled);
    return cancelled;
  }
  // The sweep finished this cancel meanwhile.
  return answerAfterLostRace(orders, order.id);
}

/**
 * The answer for an order read as confirmed that another cancel (or the sweep) got to first. A
 * confirmed order can only stay confirmed or become cancelled: if it is not cancelled yet, the
 * other cancel is still at work.
 */
async function answerAfterLostRace(orders: OrderStore, orderId: string): Promise<Order> {
  const current = await orders.findById(orderId);
  if (current?.status === 'cancelled') return current;
  throw new CancelInProgressError();
}

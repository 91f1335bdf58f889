import type { Principal } from '@shop/shared';
import type { StockReservations } from '../clients/product-service.client.js';
import type { OrderRepository } from '../data-access/order.repository.js';
import { findVisibleOrder } from './order-access.js';
import { OrderNotCancellableError } from './order.errors.js';
import type { Order } from './order.types.js';

export interface CancelOrderDeps {
  orders: OrderRepository;
  stock: StockReservations;
}

/**
 * Marks the cancel as started, releases the stock, then marks the order cancelled. If the
 * release fails the order stays confirmed (the caller may retry; the release is idempotent)
 * and the sweep finishes the cancel later.
 * Cancelling a cancelled order answers the order again; someone else's order is 404, as if missing.
 */
export async function cancelOrder({ orders, stock }: CancelOrderDeps, principal: Principal, orderId: string): Promise<Order> {
  // Someone else's order is "not found" before anything about its state is said.
  const order = await findVisibleOrder(orders, principal, orderId);
  if (order.status === 'cancelled') return order;
  if (order.status !== 'confirmed') throw new OrderNotCancellableError(order.status);

  // Recorded first, so a cancel that dies between the release and the status change is
  // finished by the sweep instead of leaving a confirmed order whose stock was given back.
  if (!(await orders.markCancelRequested(order.id))) {
    const current = await orders.findById(order.id);
    if (current?.status === 'cancelled') return current;
    throw new OrderNotCancellableError(current?.status ?? 'missing');
  }
  await stock.release(order.id);
  const cancelled = await orders.transition(order.id, 'confirmed', 'cancelled');
  if (cancelled !== null) return cancelled;
  // A concurrent cancel won the transition; answer with what is stored now.
  const current = await orders.findById(order.id);
  if (current?.status !== 'cancelled') throw new OrderNotCancellableError(current?.status ?? 'missing');
  return current;
}

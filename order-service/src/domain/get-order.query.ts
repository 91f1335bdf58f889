import type { Principal } from '@shop/shared/core';
import { findVisibleOrder } from './order-access.js';
import type { Order, OrderStore } from './order.js';

/** One order, for its owner or an admin; anyone else gets the 404 of a missing id. */
export async function getOrder(deps: { orders: OrderStore }, principal: Principal, orderId: string): Promise<Order> {
  return findVisibleOrder(deps.orders, principal, orderId);
}

import { isAdmin, type Principal } from '@shop/shared/core';
import type { OrderStore } from './order.js';
import { OrderNotFoundError } from './order.errors.js';
import type { Order } from './order.js';

/** Owners see their own orders; admins see everyone's. */
export function canSeeOrdersOf(principal: Principal, ownerId: string): boolean {
  return principal.id === ownerId || isAdmin(principal);
}

/**
 * The order, if the caller may see it. Someone else's order is answered exactly like a missing
 * one (404 ORDER.NOT_FOUND, not 403), so a caller cannot learn which order ids exist.
 */
export async function findVisibleOrder(orders: OrderStore, principal: Principal, orderId: string): Promise<Order> {
  const order = await orders.findById(orderId);
  if (order === null || !canSeeOrdersOf(principal, order.userId)) throw new OrderNotFoundError();
  return order;
}

import { isAdmin, toPage, type Page, type Principal } from '@shop/shared/core';
import type { OrderRepository } from '../data-access/order.repository.js';
import { canSeeOrdersOf, findVisibleOrder } from './order-access.js';
import { UserNotVisibleError } from './order.errors.js';
import type { Order, OrderStatus } from './order.types.js';

export async function getOrder(orders: OrderRepository, principal: Principal, orderId: string): Promise<Order> {
  return findVisibleOrder(orders, principal, orderId);
}

interface ListInput {
  page: number;
  limit: number;
  status?: OrderStatus | undefined;
}

/** A user lists their own orders; an admin lists everyone's. */
export async function listVisibleOrders(orders: OrderRepository, principal: Principal, input: ListInput): Promise<Page<Order>> {
  const userId = isAdmin(principal) ? undefined : principal.id;
  const { items, total } = await orders.list({ ...input, userId });
  return toPage(items, total, input.page, input.limit);
}

/**
 * A non-admin asking for another user's orders gets 404 USER.NOT_FOUND, before any lookup: the
 * same answer as user-service's GET /users/:id gives for that id, whether or not it is an
 * account, so it tells the caller nothing. (An admin asking for an unknown id gets an empty
 * page: order-service does not ask user-service which ids are accounts.)
 */
export async function listUserOrders(orders: OrderRepository, principal: Principal, userId: string, input: ListInput): Promise<Page<Order>> {
  if (!canSeeOrdersOf(principal, userId)) throw new UserNotVisibleError();
  const { items, total } = await orders.list({ ...input, userId });
  return toPage(items, total, input.page, input.limit);
}

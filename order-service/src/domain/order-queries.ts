import { assertOwnerOrAdmin, isAdmin, toPage, type Page, type Principal } from '@shop/shared';
import type { OrderRepository } from '../data-access/order.repository.js';
import { OrderNotFoundError } from './order.errors.js';
import type { Order, OrderStatus } from './order.types.js';

export async function getOrder(orders: OrderRepository, principal: Principal, orderId: string): Promise<Order> {
  const order = await orders.findById(orderId);
  if (order === null) throw new OrderNotFoundError(orderId);
  assertOwnerOrAdmin(principal, order.userId);
  return order;
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

export async function listUserOrders(orders: OrderRepository, principal: Principal, userId: string, input: ListInput): Promise<Page<Order>> {
  assertOwnerOrAdmin(principal, userId);
  const { items, total } = await orders.list({ ...input, userId });
  return toPage(items, total, input.page, input.limit);
}

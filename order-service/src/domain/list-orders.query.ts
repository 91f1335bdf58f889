import { isAdmin, toPage, type Page, type Principal } from '@shop/shared/core';
import type { Order, OrderListInput, OrderStore } from './order.js';

/** A user lists their own orders; an admin lists everyone's. */
export async function listOrders(
  deps: { orders: OrderStore },
  principal: Principal,
  input: OrderListInput,
): Promise<Page<Order>> {
  const userId = isAdmin(principal) ? undefined : principal.id;
  const { items, total } = await deps.orders.list({ ...input, userId });
  return toPage(items, total, input.page, input.limit);
}

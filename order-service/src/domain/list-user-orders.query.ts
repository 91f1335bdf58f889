import { toPage, type Page, type Principal } from '@shop/shared/core';
import { canSeeOrdersOf } from './order-access.js';
import { UserNotVisibleError } from './order.errors.js';
import type { Order, OrderListInput, OrderStore } from './order.js';

/**
 * A non-admin asking for another user's orders gets 404 USER.NOT_FOUND, before any lookup: the
 * same answer as user-service's GET /users/:id gives for that id, whether or not it is an
 * account, so it tells the caller nothing. (An admin asking for an unknown id gets an empty
 * page: order-service does not ask user-service which ids are accounts.)
 */
export async function listUserOrders(
  deps: { orders: OrderStore },
  principal: Principal,
  userId: string,
  input: OrderListInput,
): Promise<Page<Order>> {
  if (!canSeeOrdersOf(principal, userId)) throw new UserNotVisibleError();
  const { items, total } = await deps.orders.list({ ...input, userId });
  return toPage(items, total, input.page, input.limit);
}

import { toPage, type Page } from '@shop/shared/core';
import type { User, UserStore } from './user.js';

export async function listUsers(
  deps: { users: UserStore },
  query: { page: number; limit: number },
): Promise<Page<User>> {
  const { items, total } = await deps.users.list(query);
  return toPage(items, total, query.page, query.limit);
}

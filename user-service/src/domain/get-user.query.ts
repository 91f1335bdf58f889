import type { Principal } from '@shop/shared/core';
import { canReadUser } from './user-access.js';
import { UserNotFoundError } from './user.errors.js';
import type { User, UserStore } from './user.js';

/**
 * A refused caller gets the same 404 as for a missing id, before any lookup, so neither the
 * answer nor its timing tells whether the account exists.
 */
export async function getUser(deps: { users: UserStore }, principal: Principal, userId: string): Promise<User> {
  if (!canReadUser(principal, userId)) throw new UserNotFoundError();
  const user = await deps.users.findById(userId);
  if (user === null) throw new UserNotFoundError();
  return user;
}

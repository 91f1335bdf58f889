import type { Principal } from '@shop/shared';
import { assertCanReadUser } from './user-access.js';
import { UserNotFoundError } from './user.errors.js';
import type { User, UserStore } from './user.js';

/** Checks access before looking, so a refused caller cannot learn whether an id exists. */
export async function getUser(deps: { users: UserStore }, principal: Principal, userId: string): Promise<User> {
  assertCanReadUser(principal, userId);
  const user = await deps.users.findById(userId);
  if (user === null) throw new UserNotFoundError();
  return user;
}

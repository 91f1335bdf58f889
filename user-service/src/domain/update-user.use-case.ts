import { ForbiddenError, type Principal } from '@shop/shared/core';
import type { RefreshTokenStore } from './refresh-token.js';
import { SelfLockoutError, UserNotFoundError } from './user.errors.js';
import type { User, UserChanges, UserStore } from './user.js';

/**
 * An admin changes an account's role or disabled flag. Disabling ends all its sessions; its
 * access tokens stay valid until they expire (JWT_EXPIRES_IN_SECONDS).
 */
export async function updateUser(
  deps: { users: UserStore; refreshTokens: RefreshTokenStore },
  principal: Principal,
  userId: string,
  changes: UserChanges,
): Promise<User> {
  if (principal.id === userId && (changes.role === 'user' || changes.disabled === true)) throw new SelfLockoutError();
  // The token's role may be up to one access-token lifetime old: an admin who was just demoted
  // or disabled must not be able to use it to undo that.
  const actor = await deps.users.findById(principal.id);
  if (actor === null || actor.role !== 'admin' || actor.disabled) throw new ForbiddenError();

  const user = await deps.users.update(userId, changes);
  if (user === null) throw new UserNotFoundError();
  if (changes.disabled === true) await deps.refreshTokens.revokeAllForUser(user.id);
  return user;
}

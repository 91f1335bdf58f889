import type { Logger } from '@shop/shared/core';
import { generateRefreshToken, hashRefreshToken } from './refresh-token.js';
import { toSession, type Session, type SessionDeps } from './session.js';
import { InvalidRefreshTokenError, RefreshTokenReusedError, UserDisabledError } from './user.errors.js';
import type { UserStore } from './user.js';
import type { RefreshTokenInput } from './user.schemas.js';

/**
 * Exchanges a refresh token for a new access token and the family's next refresh token. The
 * access token carries the account's role as it is now, so a demotion takes effect here.
 */
export async function refreshSession(
  deps: SessionDeps & { users: UserStore; logger: Logger },
  input: RefreshTokenInput,
  now = new Date(),
): Promise<Session> {
  const tokenHash = hashRefreshToken(input.refreshToken);
  const nextToken = generateRefreshToken();
  const family = await deps.refreshTokens.rotate(tokenHash, hashRefreshToken(nextToken), now);
  if (family === null) {
    // Either unknown, or already rotated away: then a copy exists (or two tabs raced), and
    // whoever holds the newer token may be an attacker, so the whole session ends.
    const reused = await deps.refreshTokens.findFamilyByUsedToken(tokenHash);
    if (reused === null) throw new InvalidRefreshTokenError();
    await deps.refreshTokens.revokeFamily(reused.id);
    deps.logger.warn({ userId: reused.userId, familyId: reused.id }, 'refresh token reused; session revoked');
    throw new RefreshTokenReusedError();
  }

  const user = await deps.users.findById(family.userId);
  if (user === null || user.disabled) {
    await deps.refreshTokens.revokeFamily(family.id);
    throw user === null ? new InvalidRefreshTokenError() : new UserDisabledError();
  }
  return toSession(user, deps.issueToken, nextToken, family.expiresAt, now);
}

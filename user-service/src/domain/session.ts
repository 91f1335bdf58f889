import type { SignedToken } from '@shop/shared/core';
import {
  generateRefreshToken,
  hashRefreshToken,
  type RefreshTokenPolicy,
  type RefreshTokenStore,
} from './refresh-token.js';
import type { User } from './user.js';

/** Signs an access token for a user; built from config in app.ts so use cases stay testable. */
export type IssueToken = (user: Pick<User, 'id' | 'role'>) => SignedToken;

export interface Session {
  user: User;
  token: string;
  tokenType: 'Bearer';
  /** Seconds the access token is valid. */
  expiresIn: number;
  /** Opaque; exchanged at POST /auth/refresh for a new pair, revoked by POST /auth/logout. */
  refreshToken: string;
  /** Seconds until the session ends and the user must log in again. */
  refreshExpiresIn: number;
}

export interface SessionDeps {
  refreshTokens: RefreshTokenStore;
  issueToken: IssueToken;
  refreshPolicy: RefreshTokenPolicy;
}

/** Starts a new session (refresh token family) after a login or sign-up. */
export async function startSession(deps: SessionDeps, user: User, now = new Date()): Promise<Session> {
  const refreshToken = generateRefreshToken();
  const family = await deps.refreshTokens.createFamily({
    userId: user.id,
    tokenHash: hashRefreshToken(refreshToken),
    expiresAt: new Date(now.getTime() + deps.refreshPolicy.ttlSeconds * 1000),
  });
  // Keeps the stored sessions per user bounded, however often someone logs in.
  await deps.refreshTokens.revokeOldestFamilies(user.id, deps.refreshPolicy.maxSessionsPerUser);
  return toSession(user, deps.issueToken, refreshToken, family.expiresAt, now);
}

export function toSession(
  user: User,
  issueToken: IssueToken,
  refreshToken: string,
  refreshExpiresAt: Date,
  now: Date,
): Session {
  const { token, expiresIn } = issueToken(user);
  const refreshExpiresIn = Math.max(0, Math.floor((refreshExpiresAt.getTime() - now.getTime()) / 1000));
  return { user, token, tokenType: 'Bearer', expiresIn, refreshToken, refreshExpiresIn };
}

import { createHash, randomBytes } from 'node:crypto';

/**
 * A login session: the chain of refresh tokens that began with one login. Only the newest
 * token of a family is valid; presenting an older one means it was copied, so the whole
 * family is revoked.
 */
export interface RefreshTokenFamily {
  id: string;
  userId: string;
  /** Absolute end of the session: rotation does not extend it. */
  expiresAt: Date;
}

export interface RefreshTokenPolicy {
  /** REFRESH_TOKEN_TTL_SECONDS: how long a session lasts from login. */
  ttlSeconds: number;
  /** MAX_SESSIONS_PER_USER: a new login beyond this revokes the oldest session. */
  maxSessionsPerUser: number;
}

/**
 * How many rotated-away tokens a family remembers for reuse detection. An older copy is just
 * unknown (401) instead of revoking the family; with 15-minute access tokens, 50 rotations
 * cover more than twelve hours of use. The bound keeps one family's document small.
 */
export const USED_TOKENS_REMEMBERED = 50;

/** What the use cases need from storage; data-access/refresh-token.repository.ts implements it. */
export interface RefreshTokenStore {
  createFamily(family: { userId: string; tokenHash: string; expiresAt: Date }): Promise<RefreshTokenFamily>;
  /**
   * Replaces the current token of the live family whose current token is `tokenHash`, in one
   * conditional update: of concurrent callers with the same token, exactly one gets the family.
   */
  rotate(tokenHash: string, nextTokenHash: string, now: Date): Promise<RefreshTokenFamily | null>;
  /** The family in which `tokenHash` was already rotated away, if it still exists. */
  findFamilyByUsedToken(tokenHash: string): Promise<RefreshTokenFamily | null>;
  /** Revokes every token of the family (it is deleted). */
  revokeFamily(familyId: string): Promise<void>;
  /** Revokes the family the token belongs to, current or used; nothing if none. */
  revokeFamilyOfToken(tokenHash: string): Promise<void>;
  revokeAllForUser(userId: string): Promise<void>;
  /** Revokes the user's families other than the `keep` newest. */
  revokeOldestFamilies(userId: string, keep: number): Promise<void>;
}

/** 256 random bits; the client keeps it, we keep only its hash. */
export function generateRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

// A plain SHA-256 is enough: the token has 256 bits of entropy, so there is nothing to guess
// or precompute, and a fast hash lets us look the token up by it.
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

import { hashRefreshToken, type RefreshTokenStore } from './refresh-token.js';
import type { RefreshTokenInput } from './user.schemas.js';

/** Ends the session the token belongs to. Silent about unknown tokens: logout is no oracle. */
export async function logOut(deps: { refreshTokens: RefreshTokenStore }, input: RefreshTokenInput): Promise<void> {
  await deps.refreshTokens.revokeFamilyOfToken(hashRefreshToken(input.refreshToken));
}

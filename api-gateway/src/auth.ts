import { UnauthorizedError, verifyAccessToken, type Principal } from '@shop/shared/core';
import type { RequestHandler } from 'express';

const BEARER = /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/i;
const MAX_CACHED_TOKENS = 10_000;

/**
 * Verifies bearer tokens, remembering recent good ones (keyed by the whole token, signature
 * included) until they expire, so a busy client does not pay for an HMAC on every request.
 */
export function createTokenVerifier(secret: string): (token: string) => Principal {
  const cache = new Map<string, { principal: Principal; expiresAt: number }>();
  return (token) => {
    const hit = cache.get(token);
    if (hit !== undefined && hit.expiresAt > Date.now()) return hit.principal;
    cache.delete(token);
    const principal = verifyAccessToken(token, secret);
    // verifyAccessToken has required a whole-number `exp`, so every good token can be cached.
    const [, payload] = token.split('.');
    const { exp } = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as { exp: number };
    if (cache.size >= MAX_CACHED_TOKENS) cache.delete(cache.keys().next().value as string);
    cache.set(token, { principal, expiresAt: exp * 1000 });
    return principal;
  };
}

/** Requires a valid bearer token; the header itself is forwarded so the service verifies it again. */
export function requireToken(verify: (token: string) => Principal, onReject: () => void): RequestHandler {
  return (req, _res, next) => {
    const header = req.headers.authorization;
    try {
      if (header === undefined) throw new UnauthorizedError('A bearer token is required');
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) throw new UnauthorizedError('The Authorization header is malformed');
      req.principal = verify(token);
      next();
    } catch (error) {
      onReject();
      next(error);
    }
  };
}

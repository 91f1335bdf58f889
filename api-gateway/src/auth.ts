import type { IncomingMessage } from 'node:http';
import { UnauthorizedError, verifyAccessToken, type Principal } from '@shop/shared/core';
import type { RequestHandler } from 'express';

const BEARER = /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/i;
const JWT = /^[\w-]+\.[\w-]+\.[\w-]*$/;
const MAX_CACHED_TOKENS = 10_000;

/** When a token that `verifyAccessToken` accepted expires (ms since the epoch); it has required a whole-number `exp`. */
export function expiryOf(token: string): number {
  const [, payload] = token.split('.');
  const { exp } = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as { exp: number };
  return exp * 1000;
}

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
    if (cache.size >= MAX_CACHED_TOKENS) cache.delete(cache.keys().next().value as string);
    cache.set(token, { principal, expiresAt: expiryOf(token) });
    return principal;
  };
}

/** Where a request carries its token: `undefined` when it has none, UnauthorizedError when malformed. */
export type TokenSource = (req: IncomingMessage) => string | undefined;

export const fromAuthorizationHeader: TokenSource = (req) => {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const token = BEARER.exec(header)?.[1];
  if (token === undefined) throw new UnauthorizedError('The Authorization header is malformed');
  return token;
};

/**
 * A WebSocket upgrade: the `Authorization` header if sent, else `Sec-WebSocket-Protocol: bearer,
 * <token>` (a browser's WebSocket cannot set headers, only subprotocols). Never a query string,
 * which would end up in access logs.
 */
export const fromAuthorizationOrSubprotocol: TokenSource = (req) => {
  const fromHeader = fromAuthorizationHeader(req);
  const protocols = req.headers['sec-websocket-protocol'];
  if (fromHeader !== undefined || protocols === undefined) return fromHeader;
  const offered = protocols.split(',').map((protocol) => protocol.trim());
  if (!offered.includes('bearer')) return undefined;
  const tokens = offered.filter((protocol) => protocol !== 'bearer');
  if (tokens.length !== 1 || !JWT.test(tokens[0]!))
    throw new UnauthorizedError('Sec-WebSocket-Protocol must be "bearer, <token>"');
  return tokens[0];
};

/** Requires a valid bearer token; the header itself is forwarded so the service verifies it again. */
export function requireToken(
  verify: (token: string) => Principal,
  onReject: () => void,
  tokenOf: TokenSource = fromAuthorizationHeader,
): RequestHandler {
  return (req, _res, next) => {
    try {
      const token = tokenOf(req);
      if (token === undefined) throw new UnauthorizedError('A bearer token is required');
      req.principal = verify(token);
      next();
    } catch (error) {
      onReject();
      next(error);
    }
  };
}

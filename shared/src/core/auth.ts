import { createSecretKey, type KeyObject } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { ForbiddenError, UnauthorizedError } from './errors.js';

export const roles = ['user', 'admin', 'service'] as const;
export type Role = (typeof roles)[number];

/** Who is calling: a user, an admin, or another service of ours. */
export interface Principal {
  id: string;
  role: Role;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

const ISSUER = 'shop';
const ALGORITHM = 'HS256';

// jsonwebtoken checks `exp` and `iss` only when present; requiring them here means a token
// that never expires, or was not minted by us, is refused even if correctly signed.
const claimsSchema = z.object({
  sub: z.string().min(1),
  role: z.enum(roles),
  iss: z.literal(ISSUER),
  iat: z.number().int(),
  exp: z.number().int(),
});

// Tolerated clock difference between the signing and the verifying process.
const CLOCK_SKEW_SECONDS = 60;

export interface SignedToken {
  token: string;
  expiresIn: number;
}

export function signAccessToken(principal: Principal, secret: string, expiresInSeconds: number): SignedToken {
  const token = jwt.sign({ role: principal.role }, secret, {
    algorithm: ALGORITHM,
    subject: principal.id,
    issuer: ISSUER,
    expiresIn: expiresInSeconds,
  });
  return { token, expiresIn: expiresInSeconds };
}

// Given a string, jsonwebtoken first tries it as a PEM public key (a thrown and caught error)
// and then builds a secret key object, on every verify; a process has one secret, built once.
// An empty secret stays a string, which jsonwebtoken refuses as it always did.
let lastSecret: { secret: string; key: KeyObject } | undefined;
function secretKeyFor(secret: string): KeyObject | string {
  if (secret === '') return secret;
  if (lastSecret?.secret !== secret) lastSecret = { secret, key: createSecretKey(Buffer.from(secret)) };
  return lastSecret.key;
}

/**
 * The caller a token names, if HS256-signed with `secret`, issued by us (`iss`), and carrying
 * `iat` and an `exp` still in the future; otherwise 401 AUTH.TOKEN_EXPIRED or AUTH.TOKEN_INVALID.
 */
export function verifyAccessToken(token: string, secret: string): Principal {
  let payload: unknown;
  try {
    // Pinning the algorithm rejects `alg: none` and key-confusion tokens.
    payload = jwt.verify(token, secretKeyFor(secret), { algorithms: [ALGORITHM], issuer: ISSUER });
  } catch (error) {
    const expired = error instanceof jwt.TokenExpiredError;
    throw new UnauthorizedError(
      expired ? 'The token has expired' : 'The token is invalid',
      expired ? 'AUTH.TOKEN_EXPIRED' : 'AUTH.TOKEN_INVALID',
    );
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success || claims.data.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) {
    throw new UnauthorizedError('The token is invalid', 'AUTH.TOKEN_INVALID');
  }
  return { id: claims.data.sub, role: claims.data.role };
}

/** Requires a valid bearer token and puts its principal on the request. */
export function authenticate(secret: string): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    const match = header === undefined ? null : /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/i.exec(header);
    if (match?.[1] === undefined) {
      next(
        new UnauthorizedError(
          header === undefined ? 'A bearer token is required' : 'The Authorization header is malformed',
        ),
      );
      return;
    }
    req.principal = verifyAccessToken(match[1], secret);
    next();
  };
}

/** The authenticated caller; only valid behind `authenticate`. */
export function principalOf(req: Request): Principal {
  if (req.principal === undefined) throw new UnauthorizedError();
  return req.principal;
}

export function requireRole(...allowed: Role[]): RequestHandler {
  return (req, _res, next) => {
    next(allowed.includes(principalOf(req).role) ? undefined : new ForbiddenError());
  };
}

export function isAdmin(principal: Principal): boolean {
  return principal.role === 'admin';
}

/** Owners see their own resources; admins see everyone's. */
export function assertOwnerOrAdmin(principal: Principal, ownerId: string): void {
  if (principal.id !== ownerId && !isAdmin(principal)) throw new ForbiddenError();
}

/**
 * Bearer header for calls from one of our services to another: a short-lived token with
 * role `service`, re-signed shortly before it expires.
 */
export function serviceAuthorization(serviceName: string, secret: string, lifetimeSeconds = 300): () => string {
  let header = '';
  let renewAt = 0;
  return () => {
    const now = Date.now();
    if (now >= renewAt) {
      header = `Bearer ${signAccessToken({ id: serviceName, role: 'service' }, secret, lifetimeSeconds).token}`;
      renewAt = now + (lifetimeSeconds * 1000) / 2;
    }
    return header;
  };
}

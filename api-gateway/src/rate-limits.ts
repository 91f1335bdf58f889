import { AppError } from '@shop/shared/core';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';

export type LimiterName = 'global' | 'password' | 'login' | 'orders';

export interface LimitSettings {
  windowMs: number;
  limit: number;
}

export interface RateLimitDeps {
  /** A shared store (Redis) so several gateway replicas count together; memory when absent. */
  createStore?: (name: LimiterName) => Store;
  onLimited: (name: LimiterName) => void;
}

class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super('RATE_LIMIT.EXCEEDED', 429, 'Too many requests; retry later', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

function clientIp(req: Request): string {
  // ipKeyGenerator groups IPv6 clients by /56 so one host cannot rotate through its addresses.
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

function limiter(
  name: LimiterName,
  settings: LimitSettings,
  deps: RateLimitDeps,
  keyOf: (req: Request) => string,
): RequestHandler {
  return rateLimit({
    windowMs: settings.windowMs,
    limit: settings.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: name,
    keyGenerator: keyOf,
    store: deps.createStore?.(name),
    // A store outage must not take the API down with it: count nothing, let the request through.
    passOnStoreError: true,
    handler: (req, _res, next) => {
      deps.onLimited(name);
      // express-rate-limit puts its counters on the request; its types do not declare the field.
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds =
        resetTime === undefined
          ? Math.ceil(settings.windowMs / 1000)
          : Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000));
      next(new RateLimitedError(seconds));
    },
  });
}

/** Every request, per client IP. */
export function globalLimit(settings: LimitSettings, deps: RateLimitDeps): RequestHandler {
  return limiter('global', settings, deps, clientIp);
}

/**
 * Requests that cost a password hash (register, login) per client IP, whatever the email: one
 * address cannot keep the argon2 workers busy for everyone with logins to many accounts.
 */
export function passwordLimit(settings: LimitSettings, deps: RateLimitDeps): RequestHandler {
  return limiter('password', settings, deps, clientIp);
}

/** Login attempts per client IP and account email, against password guessing. */
export function loginLimit(
  settings: LimitSettings,
  deps: RateLimitDeps,
  emailOf: (req: Request) => string,
): RequestHandler {
  return limiter('login', settings, deps, (req) => `${clientIp(req)}|${emailOf(req)}`);
}

/** Order placement per authenticated user. */
export function orderLimit(settings: LimitSettings, deps: RateLimitDeps): RequestHandler {
  return limiter('orders', settings, deps, (req) => req.principal?.id ?? clientIp(req));
}

import { AppError } from '@shop/shared/core';
import type { LimiterName } from './rate-limits.js';
import type { UpstreamName } from './upstreams.js';

/**
 * Who may call an operation. `anonymous`: no token. `optional-token`: none needed, but one that
 * is sent is checked (a client learns at once that its token is bad). `token`: a valid one.
 */
export type Access = 'anonymous' | 'optional-token' | 'token';

interface OperationBase {
  method: 'GET' | 'POST' | 'PATCH';
  /** Public path; `:id` matches one plain segment. Also the metric label. */
  template: string;
  access: Access;
  /** Limits of its own on top of the global one, applied in this order in the same step as the route. */
  limiters?: readonly Exclude<LimiterName, 'global'>[];
}

/** Forwarded to an upstream service. */
export interface ProxiedOperation extends OperationBase {
  upstream: UpstreamName;
  /**
   * The upstream answers a repeat with the same `Idempotency-Key` with the first outcome, so the
   * gateway may send such a request again to another instance after a broken connection.
   */
  honoursIdempotencyKey?: true;
  /**
   * The same answer for every caller, so one without a token or cookie may be served from the
   * gateway's micro-cache (micro-cache.ts) when the upstream's Cache-Control allows it.
   */
  isCacheable?: true;
}

/**
 * Served by the gateway itself as a WebSocket: a GET with `Upgrade: websocket` (the only
 * requests the gateway upgrades); the token may also come as a `Sec-WebSocket-Protocol` value.
 */
export interface WebSocketOperation extends OperationBase {
  method: 'GET';
  websocket: 'live-feed';
}

export type Operation = ProxiedOperation | WebSocketOperation;

/**
 * The public API, operation by operation: the gateway forwards nothing else. Upstreams serve
 * the same paths without `/api`. `/api/users/:id/orders` belongs to order-service although the
 * rest of `/api/users` belongs to user-service.
 */
export const OPERATIONS: readonly Operation[] = [
  {
    method: 'POST',
    template: '/api/auth/register',
    upstream: 'user-service',
    access: 'anonymous',
    limiters: ['password'],
  },
  {
    method: 'POST',
    template: '/api/auth/login',
    upstream: 'user-service',
    access: 'anonymous',
    limiters: ['password', 'login'],
  },
  { method: 'POST', template: '/api/auth/refresh', upstream: 'user-service', access: 'anonymous' },
  { method: 'POST', template: '/api/auth/logout', upstream: 'user-service', access: 'anonymous' },
  { method: 'GET', template: '/api/users', upstream: 'user-service', access: 'token' },
  { method: 'GET', template: '/api/users/me', upstream: 'user-service', access: 'token' },
  { method: 'GET', template: '/api/users/:id', upstream: 'user-service', access: 'token' },
  { method: 'PATCH', template: '/api/users/:id', upstream: 'user-service', access: 'token' },
  { method: 'GET', template: '/api/users/:id/orders', upstream: 'order-service', access: 'token' },
  {
    method: 'GET',
    template: '/api/products',
    upstream: 'product-service',
    access: 'optional-token',
    isCacheable: true,
  },
  {
    method: 'GET',
    template: '/api/products/:id',
    upstream: 'product-service',
    access: 'optional-token',
    isCacheable: true,
  },
  { method: 'POST', template: '/api/products', upstream: 'product-service', access: 'token' },
  { method: 'PATCH', template: '/api/products/:id', upstream: 'product-service', access: 'token' },
  { method: 'PATCH', template: '/api/products/:id/stock', upstream: 'product-service', access: 'token' },
  {
    method: 'POST',
    template: '/api/orders',
    upstream: 'order-service',
    access: 'token',
    limiters: ['orders'],
    honoursIdempotencyKey: true,
  },
  { method: 'GET', template: '/api/orders', upstream: 'order-service', access: 'token' },
  { method: 'GET', template: '/api/orders/live', websocket: 'live-feed', access: 'token' },
  { method: 'GET', template: '/api/orders/:id', upstream: 'order-service', access: 'token' },
  { method: 'POST', template: '/api/orders/:id/cancel', upstream: 'order-service', access: 'token' },
];

export class MethodNotAllowedError extends AppError {
  constructor(method: string, allow: string[]) {
    super('ROUTE.METHOD_NOT_ALLOWED', 405, `${method} is not allowed here; allowed: ${allow.join(', ')}`, {
      headers: { Allow: allow.join(', ') },
    });
  }
}

export type RouteMatch =
  | { kind: 'operation'; operation: Operation }
  /** The path exists but not with this method: 405 with `Allow`. */
  | { kind: 'method-not-allowed'; template: string; allow: string[] }
  | { kind: 'not-found' };

/** Words of their own, never ids: /api/users/me is not /api/users/:id, nor /api/orders/live /api/orders/:id. */
const WORDS = new Set(['me', 'live']);

// Each template split once, at start-up, not on every request.
const SPLIT = OPERATIONS.map((operation) => ({ operation, parts: operation.template.split('/') }));

function matchesTemplate(parts: readonly string[], segments: readonly string[]): boolean {
  return (
    parts.length === segments.length &&
    parts.every((part, i) => part === segments[i] || (part === ':id' && !WORDS.has(segments[i]!)))
  );
}

/**
 * The one routing decision: `path` is already canonical (see request-target.ts), so matching is
 * exact and case-sensitive, and what is matched here is what the upstream receives.
 */
export function matchRoute(method: string, path: string): RouteMatch {
  const segments = path.split('/');
  const candidates = SPLIT.filter(({ parts }) => matchesTemplate(parts, segments)).map(({ operation }) => operation);
  if (candidates.length === 0) return { kind: 'not-found' };
  const wanted = method === 'HEAD' ? 'GET' : method;
  const operation = candidates.find((candidate) => candidate.method === wanted);
  if (operation !== undefined) return { kind: 'operation', operation };
  const allow = [
    ...new Set(candidates.flatMap((candidate) => (candidate.method === 'GET' ? ['GET', 'HEAD'] : [candidate.method]))),
  ];
  return { kind: 'method-not-allowed', template: candidates[0]!.template, allow };
}

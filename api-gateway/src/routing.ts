import type { UpstreamName } from './upstreams.js';

export interface Route {
  /** Public path prefix, matched on whole segments. */
  prefix: string;
  upstream: UpstreamName;
  /** Path templates under the prefix, used as bounded metric labels. */
  templates: string[];
}

/**
 * The public API, most specific first: `/api/users/:id/orders` belongs to order-service
 * although `/api/users` belongs to user-service. Upstreams serve the same paths without `/api`.
 */
export const ROUTES: Route[] = [
  { prefix: '/api/users/:id/orders', upstream: 'order-service', templates: ['/api/users/:id/orders'] },
  { prefix: '/api/auth', upstream: 'user-service', templates: ['/api/auth/register', '/api/auth/login'] },
  { prefix: '/api/users', upstream: 'user-service', templates: ['/api/users', '/api/users/me', '/api/users/:id'] },
  { prefix: '/api/products', upstream: 'product-service', templates: ['/api/products', '/api/products/:id', '/api/products/:id/stock'] },
  { prefix: '/api/orders', upstream: 'order-service', templates: ['/api/orders', '/api/orders/:id', '/api/orders/:id/cancel'] },
];

const ID_SEGMENT = /^[^/]+$/;

function matchesPrefix(prefix: string, path: string): boolean {
  const want = prefix.split('/');
  const got = path.split('/');
  if (got.length < want.length) return false;
  return want.every((segment, i) => (segment === ':id' ? ID_SEGMENT.test(got[i] ?? '') : segment === got[i]));
}

export function findRoute(path: string): Route | undefined {
  return ROUTES.find((route) => matchesPrefix(route.prefix, path));
}

/** The template a path belongs to, or the route's prefix with `/*` for anything else under it. */
export function routeTemplateOf(route: Route, path: string): string {
  const normalized = path.replace(/\/+$/, '') || '/';
  const segments = normalized.split('/');
  const template = route.templates.find((candidate) => {
    const parts = candidate.split('/');
    return parts.length === segments.length && parts.every((part, i) => part === segments[i] || (part === ':id' && segments[i] !== 'me' && ID_SEGMENT.test(segments[i] ?? '')));
  });
  return template ?? `${route.prefix}/*`;
}

export type Access = 'anonymous' | 'optional-token' | 'token';

/**
 * Registration and login take no token. Catalogue reads need none, but a token that is sent
 * is checked (a client learns at once that its token is bad). Everything else needs one.
 */
export function accessFor(method: string, path: string): Access {
  if (method === 'POST' && (path === '/api/auth/register' || path === '/api/auth/login')) return 'anonymous';
  if ((method === 'GET' || method === 'HEAD') && matchesPrefix('/api/products', path)) return 'optional-token';
  return 'token';
}

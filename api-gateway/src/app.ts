import { timingSafeEqual } from 'node:crypto';
import { AppError, UnauthorizedError, errorHandler, requestContext, routeNotFound, type Logger, type Principal } from '@shop/shared';
import cors from 'cors';
import express, { type Express, type Request, type RequestHandler } from 'express';
import type { Store } from 'express-rate-limit';
import helmet from 'helmet';
import { requireToken, stripIdentityHeaders } from './auth.js';
import type { GatewayMetrics, RejectionReason } from './metrics.js';
import { createUpstreamProxy } from './proxy.js';
import { globalLimit, loginLimit, orderLimit, type LimiterName, type LimitSettings } from './rate-limits.js';
import { accessFor, findRoute, routeTemplateOf, type Route } from './routing.js';
import { UPSTREAMS, upstreamReadiness, type UpstreamName, type UpstreamResolver } from './upstreams.js';

export interface GatewayDeps {
  logger: Logger;
  metrics: GatewayMetrics;
  resolver: UpstreamResolver;
  verifyToken: (token: string) => Principal;
  upstreamTimeoutMs: number;
  bodyLimitBytes: number;
  trustProxy: boolean | number | string[];
  corsOrigins: string[];
  limits: Record<LimiterName, LimitSettings>;
  createRateLimitStore?: (name: LimiterName) => Store;
  /** Guards /metrics when set; the gateway is the one process whose port is public. */
  metricsToken?: string;
}

/** Lower-case, no trailing slash: how Express routes, and so how every decision here must see a path. */
function canonicalPath(req: Request): string {
  return req.path.toLowerCase().replace(/\/+$/, '') || '/';
}

function limitBodySize(limit: number, onReject: (reason: RejectionReason) => void): RequestHandler {
  return (req, _res, next) => {
    const length = req.headers['content-length'];
    if (length !== undefined && Number(length) > limit) {
      onReject('payload_too_large');
      next(new AppError('REQUEST.TOO_LARGE', 413, `The request body is larger than ${limit} bytes`));
      return;
    }
    if (length === undefined && req.headers['transfer-encoding'] !== undefined) {
      onReject('length_required');
      next(new AppError('REQUEST.LENGTH_REQUIRED', 411, 'Request bodies must carry a Content-Length'));
      return;
    }
    next();
  };
}

function requireMetricsToken(token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : Buffer.from(`Bearer ${token}`);
  return (req, _res, next) => {
    if (expected === undefined) return next();
    const given = Buffer.from(req.headers.authorization ?? '');
    const isValid = given.length === expected.length && timingSafeEqual(given, expected);
    next(isValid ? undefined : new UnauthorizedError('A valid metrics token is required', 'METRICS.UNAUTHORIZED'));
  };
}

/** The login limiter keys on the account email, so that one route's body is read here. */
function emailOf(req: Request): string {
  if (!Buffer.isBuffer(req.body)) return '';
  try {
    const parsed: unknown = JSON.parse(req.body.toString('utf8'));
    const email = parsed !== null && typeof parsed === 'object' && 'email' in parsed ? parsed.email : undefined;
    return typeof email === 'string' ? email.trim().toLowerCase().slice(0, 320) : '';
  } catch {
    return ''; // not JSON: the upstream answers 400; the limit still counts per IP
  }
}

export function createApp(deps: GatewayDeps): Express {
  const { metrics } = deps;
  const reject = (reason: RejectionReason) => () => metrics.rejections.inc({ reason });
  const rateLimitDeps = { createStore: deps.createRateLimitStore, onLimited: (name: LimiterName) => metrics.rejections.inc({ reason: `rate_limit_${name}` }) };
  const proxies = Object.fromEntries(UPSTREAMS.map((name) => [name, createUpstreamProxy(name, { ...deps, timeoutMs: deps.upstreamTimeoutMs, upstreamDuration: metrics.upstreamDuration })])) as Record<UpstreamName, RequestHandler>;
  const authenticate = requireToken(deps.verifyToken, reject('auth'));

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);

  app.use(requestContext());
  // Route and canonical path are worked out once per request; later steps read them from res.locals.
  app.use((req, res, next) => {
    const path = canonicalPath(req);
    const route = findRoute(path);
    res.locals.path = path;
    res.locals.route = route;
    if (route !== undefined) res.locals.routeTemplate = routeTemplateOf(route, path);
    next();
  });
  app.use(metrics.middleware);
  // An API serves no documents: the strictest content policy, which is also the shortest header.
  app.use(helmet({ contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }));
  if (deps.corsOrigins.length > 0) {
    app.use(cors({ origin: deps.corsOrigins, exposedHeaders: ['X-Request-Id', 'Location', 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'Idempotent-Replayed'], maxAge: 600 }));
  }

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Readiness is asked of the upstreams at most once a second, however often it is polled.
  let readiness: { at: number; result: Promise<Awaited<ReturnType<typeof upstreamReadiness>>> } | undefined;
  app.get('/health/ready', async (_req, res) => {
    if (readiness === undefined || Date.now() - readiness.at > 1000) readiness = { at: Date.now(), result: upstreamReadiness(deps.resolver, 1000) };
    const upstreams = await readiness.result;
    const isReady = Object.values(upstreams).every((state) => state === 'up');
    res.status(isReady ? 200 : 503).json({ status: isReady ? 'ready' : 'degraded', upstreams });
  });
  app.get('/metrics', requireMetricsToken(deps.metricsToken), metrics.handler);

  app.use(stripIdentityHeaders);
  app.use(limitBodySize(deps.bodyLimitBytes, (reason) => metrics.rejections.inc({ reason })));
  app.use(globalLimit(deps.limits.global, rateLimitDeps));
  app.use((req, res, next) => {
    const access = accessFor(req.method, res.locals.path as string);
    if (access === 'anonymous' || (access === 'optional-token' && req.headers.authorization === undefined)) next();
    else authenticate(req, res, next);
  });
  app.post('/api/auth/login', express.raw({ type: () => true, limit: deps.bodyLimitBytes, inflate: false }), loginLimit(deps.limits.login, rateLimitDeps, emailOf));
  app.post('/api/orders', orderLimit(deps.limits.orders, rateLimitDeps));
  app.use((req, res, next) => {
    const route = res.locals.route as Route | undefined;
    if (route === undefined) next();
    else proxies[route.upstream](req, res, next);
  });

  app.use(routeNotFound);
  app.use(errorHandler(deps.logger));
  return app;
}

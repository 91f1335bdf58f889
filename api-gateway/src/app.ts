import { AppError, requestContext, type Logger, type Principal } from '@shop/shared/core';
import { errorHandler, isDraining, refuseOversizedBody, requireJsonBody } from '@shop/shared/http';
import cors from 'cors';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Store } from 'express-rate-limit';
import { serveApiDocs } from './api-docs.js';
import { expiryOf, fromAuthorizationOrSubprotocol, requireToken } from './auth.js';
import type { LiveFeed } from './live-feed.js';
import { requireMetricsToken, type GatewayMetrics, type RejectionReason } from './metrics.js';
import { withMicroCache, type MicroCacheSettings } from './micro-cache.js';
import { createProxy } from './proxy.js';
import {
  globalLimit,
  loginLimit,
  orderLimit,
  passwordLimit,
  type LimiterName,
  type LimitSettings,
} from './rate-limits.js';
import { parseRequestTarget, type RequestTarget } from './request-target.js';
import { MethodNotAllowedError, matchRoute, type Operation } from './routing.js';
import { apiSecurityHeaders } from './security-headers.js';
import { upgradeOf } from './upgrade.js';
import { upstreamReadiness, type UpstreamEndpoints } from './upstreams.js';

export interface GatewayDeps {
  logger: Logger;
  metrics: GatewayMetrics;
  upstreams: UpstreamEndpoints;
  verifyToken: (token: string) => Principal;
  upstreamTimeoutMs: number;
  /** Bound on opening a connection to an upstream instance before trying another. */
  upstreamConnectTimeoutMs: number;
  bodyLimitBytes: number;
  trustProxy: boolean | number | string[];
  corsOrigins: string[];
  limits: Record<LimiterName, LimitSettings>;
  createRateLimitStore?: (name: LimiterName) => Store;
  /** Serve GET /metrics on this app (development); otherwise it is on an internal port of its own. */
  servesMetrics?: boolean;
  /** Guards /metrics when set. */
  metricsToken?: string;
  /**
   * Serves `GET /api/orders/live` (the server must route upgrades here: `routeUpgrades`). Without
   * it (no REDIS_URL, so no events to relay) that route answers 503 `LIVE.UNAVAILABLE`.
   */
  liveFeed?: LiveFeed;
  /** Anonymous catalogue reads served from a short-lived cache (micro-cache.ts); absent: off. */
  microCache?: MicroCacheSettings;
}

/** What the gateway decided about a request, once, before anything acts on it. */
interface Decision {
  target: RequestTarget;
  operation: Operation;
}

const decisionOf = (res: Response): Decision => res.locals.decision as Decision;

class UpgradeRequiredError extends AppError {
  constructor() {
    super('LIVE.UPGRADE_REQUIRED', 426, 'This is a WebSocket: send GET with Upgrade: websocket', {
      headers: { Upgrade: 'websocket', Connection: 'Upgrade' },
    });
  }
}

/** Chunked bodies (no `Content-Length`) are refused: the size is known before the body is read. */
function requireContentLength(onReject: (reason: RejectionReason) => void): RequestHandler {
  return (req, _res, next) => {
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] !== undefined) {
      onReject('length_required');
      next(new AppError('REQUEST.LENGTH_REQUIRED', 411, 'Request bodies must carry a Content-Length'));
      return;
    }
    next();
  };
}

/** The login limiter keys on the account email, read from the body exactly as user-service will read it. */
function emailOf(req: Request): string {
  if (!Buffer.isBuffer(req.body)) return '';
  try {
    // A leading byte-order mark is dropped, as the services' body parser drops it.
    const text = req.body.toString('utf8');
    const parsed: unknown = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    const email = parsed !== null && typeof parsed === 'object' && 'email' in parsed ? parsed.email : undefined;
    return typeof email === 'string' ? email.trim().toLowerCase().slice(0, 320) : '';
  } catch {
    return ''; // not JSON: the upstream answers 400; the limit still counts per IP
  }
}

/** Runs middlewares one after another, stopping at the first that answers or fails. */
function runInOrder(handlers: RequestHandler[], req: Request, res: Response, next: NextFunction): void {
  const step = (index: number) => (error?: unknown) => {
    const handler = handlers[index];
    if (error !== undefined || handler === undefined) next(error);
    else void handler(req, res, step(index + 1));
  };
  step(0)();
}

export function createApp(deps: GatewayDeps): Express {
  const { metrics } = deps;
  const reject = (reason: RejectionReason) => () => metrics.rejections.inc({ reason });
  const rateLimitDeps = {
    createStore: deps.createRateLimitStore,
    onLimited: (name: LimiterName) => metrics.rejections.inc({ reason: `rate_limit_${name}` }),
  };
  const upstreamProxy = createProxy({
    upstreams: deps.upstreams,
    timeoutMs: deps.upstreamTimeoutMs,
    connectTimeoutMs: deps.upstreamConnectTimeoutMs,
    logger: deps.logger,
    upstreamDuration: metrics.upstreamDuration,
    upstreamErrors: metrics.upstreamErrors,
  });
  const proxy = withMicroCache(upstreamProxy, deps.microCache, metrics.microCache);
  const limitGlobally = globalLimit(deps.limits.global, rateLimitDeps);
  const authenticate = requireToken(deps.verifyToken, reject('auth'));
  const authenticateUpgrade = requireToken(deps.verifyToken, reject('auth'), fromAuthorizationOrSubprotocol);
  const operationLimits: Record<NonNullable<Operation['limiters']>[number], RequestHandler> = {
    password: passwordLimit(deps.limits.password, rateLimitDeps),
    login: loginLimit(deps.limits.login, rateLimitDeps, emailOf),
    orders: orderLimit(deps.limits.orders, rateLimitDeps),
  };
  // Bodies are read whole (up to the limit) before an upstream socket is taken, so a client that
  // sends slowly holds only its own connection, never one of the upstream pool's.
  const readBody = express.raw({ type: () => true, limit: deps.bodyLimitBytes, inflate: false });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  app.use(requestContext());
  app.use(metrics.middleware);
  app.use(apiSecurityHeaders);
  if (deps.corsOrigins.length > 0) {
    app.use(
      cors({
        origin: deps.corsOrigins,
        exposedHeaders: [
          'X-Request-Id',
          'Location',
          'RateLimit',
          'RateLimit-Policy',
          'Retry-After',
          'Idempotent-Replayed',
          'ETag',
          'X-Cache',
        ],
        maxAge: 600,
      }),
    );
  }

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Readiness is asked of the upstreams at most once a second, however often it is polled.
  let readiness: { at: number; result: Promise<Awaited<ReturnType<typeof upstreamReadiness>>> } | undefined;
  app.get('/health/ready', async (_req, res) => {
    if (isDraining()) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    if (readiness === undefined || Date.now() - readiness.at > 1000)
      readiness = { at: Date.now(), result: upstreamReadiness(deps.upstreams, 1000) };
    const upstreams = await readiness.result;
    const isReady = Object.values(upstreams).every((state) => state === 'up');
    res.status(isReady ? 200 : 503).json({ status: isReady ? 'ready' : 'degraded', upstreams });
  });
  if (deps.servesMetrics !== false) app.get('/metrics', requireMetricsToken(deps.metricsToken), metrics.handler);

  // The contract and its docs page: static answers of the gateway's own, before the routing of
  // proxied operations (no body read, no token, no upstream), under the same global limit.
  app.use(serveApiDocs(limitGlobally));

  // The one routing decision: the raw path is checked for a single reading, matched exactly
  // against the public operations, and every later step (auth, limits, proxy) reads the result.
  app.use((req, res, next) => {
    const target = parseRequestTarget(req.url);
    const match = matchRoute(req.method, target.path);
    if (match.kind === 'not-found')
      throw new AppError('ROUTE.NOT_FOUND', 404, `No route for ${req.method} ${target.path}`);
    res.locals.routeTemplate = match.kind === 'operation' ? match.operation.template : match.template;
    if (match.kind === 'method-not-allowed') throw new MethodNotAllowedError(req.method, match.allow);
    if (upgradeOf(req) !== undefined && !('websocket' in match.operation))
      throw new AppError('REQUEST.INVALID', 400, `${target.path} is not a WebSocket; only /api/orders/live is`);
    res.locals.decision = { target, operation: match.operation } satisfies Decision;
    next();
  });
  app.use(requireJsonBody);
  app.use(refuseOversizedBody(deps.bodyLimitBytes, () => metrics.rejections.inc({ reason: 'payload_too_large' })));
  app.use(requireContentLength((reason) => metrics.rejections.inc({ reason })));
  app.use(limitGlobally);
  app.use((req, res, next) => {
    const { operation } = decisionOf(res);
    const { access } = operation;
    if (access === 'anonymous' || (access === 'optional-token' && req.headers.authorization === undefined)) next();
    else if ('websocket' in operation) authenticateUpgrade(req, res, next);
    else authenticate(req, res, next);
  });
  // The live feed is served here, never proxied; it reads no body.
  app.use((req, res, next) => {
    if (!('websocket' in decisionOf(res).operation)) return next();
    if (deps.liveFeed === undefined)
      throw new AppError('LIVE.UNAVAILABLE', 503, 'The live order feed is not enabled on this gateway');
    if (upgradeOf(req) === undefined) throw new UpgradeRequiredError();
    // authenticateUpgrade has found a token and set the principal.
    deps.liveFeed.accept(req, res, req.principal!, expiryOf(fromAuthorizationOrSubprotocol(req)!));
  });
  app.use(readBody);
  app.use((req, res, next) => {
    const limiters = (decisionOf(res).operation.limiters ?? []).map((name) => operationLimits[name]);
    runInOrder(limiters, req, res, next);
  });
  app.use((req, res, next) => {
    const { target, operation } = decisionOf(res);
    if (!('upstream' in operation)) return next(new Error(`no upstream for ${operation.template}`));
    proxy(
      req,
      res,
      {
        upstream: operation.upstream,
        path: `${target.path.slice('/api'.length)}${target.search}`,
        honoursIdempotencyKey: operation.honoursIdempotencyKey === true,
        isCacheable: operation.isCacheable === true,
      },
      next,
    );
  });

  app.use(errorHandler(deps.logger));
  return app;
}

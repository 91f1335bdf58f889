import express, { Router, type Express, type RequestHandler } from 'express';
import type { Logger } from '../core/logger.js';
import { requestContext } from '../core/request-context.js';
import { errorHandler, refuseOversizedBody, requireJsonBody, routeNotFound } from './error-handler.js';
import { isDraining } from './lifecycle.js';
import type { HttpMetrics } from './metrics.js';

export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
}

export interface ServiceAppOptions {
  logger: Logger;
  metrics: HttpMetrics;
  bodyLimitBytes: number;
  readiness: ReadinessCheck[];
  /**
   * Checks run before a request body is read (the registry's write token): a request they refuse
   * costs no parsing, and gets their answer rather than one about its body.
   */
  guards?: RequestHandler[];
  /** Mounts the service's own routers. */
  routes(app: Express): void;
}

/**
 * A router with the app's path rules: case-sensitive and strict about a trailing `/`. (Express
 * routers do not inherit the app's settings: `Router()` alone would take `/AUTH/login/`.)
 */
export function serviceRouter(): Router {
  return Router({ caseSensitive: true, strict: true });
}

async function runChecks(checks: ReadinessCheck[]): Promise<Record<string, 'up' | 'down'>> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => [name, (await check().catch(() => false)) ? 'up' : 'down'] as const),
  );
  return Object.fromEntries(results);
}

/**
 * The Express app every service shares: request id, metrics and request log, health,
 * JSON body limits, then the service's routes, 404 and the problem+json error handler.
 */
export function createServiceApp(options: ServiceAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // One spelling per path: `/auth/LOGIN` or `/auth/login/` is not `/auth/login` (the gateway
  // refuses such variants too, so no step reads a path differently from another).
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  app.use(requestContext());
  app.use(options.metrics.middleware);

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/health/ready', async (_req, res) => {
    if (isDraining()) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const checks = await runChecks(options.readiness);
    const isReady = Object.values(checks).every((state) => state === 'up');
    res.status(isReady ? 200 : 503).json({ status: isReady ? 'ready' : 'unavailable', checks });
  });
  app.get('/metrics', options.metrics.handler);

  for (const guard of options.guards ?? []) app.use(guard);
  app.use(refuseOversizedBody(options.bodyLimitBytes));
  app.use(requireJsonBody);
  app.use(express.json({ limit: options.bodyLimitBytes, strict: true }));
  options.routes(app);

  app.use(routeNotFound);
  app.use(errorHandler(options.logger));
  return app;
}

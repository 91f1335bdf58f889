import type { Request, RequestHandler, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../core/logger.js';
import { withTimeout } from '../core/with-timeout.js';
import type { SweepMetrics } from '../core/sweeper.js';
import { loggablePath } from './loggable-path.js';

export interface HttpMetrics {
  registry: Registry;
  /** Counts, times and logs every request once its response is finished. */
  middleware: RequestHandler;
  handler: RequestHandler;
}

// Raw paths hold ids; label by the matched route template so cardinality stays bounded.
// A proxy, which has no Express route per path, names its template in `res.locals.routeTemplate`.
function routeTemplate(req: Request, res: Response): string {
  const named: unknown = res.locals.routeTemplate;
  if (typeof named === 'string') return named;
  const route: unknown = req.route;
  if (route !== null && typeof route === 'object' && 'path' in route && typeof route.path === 'string') {
    return `${req.baseUrl}${route.path}`;
  }
  return 'unmatched';
}

const QUIET_PATHS = new Set(['/health', '/health/ready', '/metrics']);

export function createHttpMetrics(service: string, logger: Logger): HttpMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters (promtool flags them); nodejs_active_{handles,requests,resources}
  // without `_total` carry the same counts, by type.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
    registry.removeSingleMetric(name);

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests served, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  const middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { method: req.method, route: routeTemplate(req, res), status_code: String(res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, seconds);
      const level = QUIET_PATHS.has(req.path) ? 'debug' : 'info';
      logger[level](
        {
          method: req.method,
          path: loggablePath(req.originalUrl),
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
        },
        'request',
      );
    });
    next();
  };

  const handler: RequestHandler = async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  };

  return { registry, middleware, handler };
}

/**
 * Sweep rounds and what they repaired: `shop_sweep_runs_total{sweep,outcome}` and
 * `shop_sweep_repairs_total{sweep,result}` (the result names are the round's count keys, fixed in code).
 */
export function createSweepMetrics(registry: Registry): SweepMetrics {
  const runs = new Counter({
    name: 'shop_sweep_runs_total',
    help: 'Sweep rounds run, by sweep and outcome (ok, failed)',
    labelNames: ['sweep', 'outcome'] as const,
    registers: [registry],
  });
  const repairs = new Counter({
    name: 'shop_sweep_repairs_total',
    help: 'What sweep rounds did, by sweep and result (e.g. released, cancelled, failed)',
    labelNames: ['sweep', 'result'] as const,
    registers: [registry],
  });
  return {
    roundFinished(sweep, counts) {
      runs.inc({ sweep, outcome: 'ok' });
      for (const [result, count] of Object.entries(counts)) repairs.inc({ sweep, result }, count);
    },
    roundFailed(sweep) {
      runs.inc({ sweep, outcome: 'failed' });
    },
  };
}

export interface StoreGaugeOptions {
  registry: Registry;
  name: string;
  help: string;
  /** Read at every scrape, e.g. a count in the database. */
  read: () => Promise<number>;
  /** A read slower than this keeps the last value, so a slow database cannot stall a scrape. */
  timeoutMs?: number;
  logger: Logger;
}

/**
 * A gauge whose value lives in the service's database, read when Prometheus scrapes. When the
 * read fails or is slow, the last value stays and the failure is logged at debug level (the
 * readiness check and `up` already say the database is down).
 */
export function createStoreGauge({ registry, name, help, read, timeoutMs = 1000, logger }: StoreGaugeOptions): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      try {
        this.set(await withTimeout(read(), timeoutMs, `reading ${name} took over ${timeoutMs} ms`));
      } catch (error) {
        logger.debug({ err: error, metric: name }, 'metric read failed; keeping its last value');
      }
    },
  });
}

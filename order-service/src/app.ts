import { createServiceApp, type HttpMetrics, type ReadinessCheck } from '@shop/shared/http';
import type { Express } from 'express';
import { orderRoutes, type OrderRoutesDeps } from './routes/order.routes.js';

export interface AppDeps extends OrderRoutesDeps {
  metrics: HttpMetrics;
  bodyLimitBytes: number;
  readiness: ReadinessCheck[];
}

export function createApp(deps: AppDeps): Express {
  return createServiceApp({
    logger: deps.logger,
    metrics: deps.metrics,
    bodyLimitBytes: deps.bodyLimitBytes,
    readiness: deps.readiness,
    routes: (app) => app.use(orderRoutes(deps)),
  });
}

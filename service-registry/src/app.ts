import type { Logger } from '@shop/shared/core';
import { createServiceApp, type HttpMetrics } from '@shop/shared/http';
import type { Express } from 'express';
import type { InstanceTable } from './domain/instance-table.js';
import { registerRegistryMetrics } from './metrics.js';
import { registryRoutes } from './routes/registry.routes.js';
import { requireTokenForWrites } from './routes/require-registry-token.js';

export interface AppDeps {
  logger: Logger;
  metrics: HttpMetrics;
  table: InstanceTable;
  registryToken: string;
  bodyLimitBytes: number;
}

/** The service-registry HTTP app; it never listens. */
export function createApp(deps: AppDeps): Express {
  const { table } = deps;
  registerRegistryMetrics(deps.metrics.registry, table);
  return createServiceApp({
    logger: deps.logger,
    metrics: deps.metrics,
    bodyLimitBytes: deps.bodyLimitBytes,
    // The registry depends on nothing: it is ready as soon as it answers.
    readiness: [],
    // Before any body is read: a write without the token costs nothing to refuse.
    guards: [requireTokenForWrites(deps.registryToken)],
    routes(app) {
      app.use(registryRoutes({ table }));
    },
  });
}

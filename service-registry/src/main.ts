import { startSweeper } from '@shop/shared/core';
import { createHttpMetrics, runService } from '@shop/shared/http';
import { createApp } from './app.js';
import { configShape } from './config.js';
import { createInstanceTable } from './domain/instance-table.js';

/** How often expired instances are counted and those past their grace removed. */
const SWEEP_INTERVAL_MS = 1000;

void runService('service-registry', configShape, async (config, logger) => {
  const table = createInstanceTable({
    ttlSeconds: config.REGISTRY_TTL_SECONDS,
    graceSeconds: config.REGISTRY_GRACE_SECONDS,
    maxServices: config.REGISTRY_MAX_SERVICES,
    maxInstancesPerService: config.REGISTRY_MAX_INSTANCES_PER_SERVICE,
  });
  const app = createApp({
    logger,
    metrics: createHttpMetrics('service-registry', logger),
    table,
    registryToken: config.REGISTRY_TOKEN,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
  });
  const sweeper = startSweeper({
    name: 'expired-instances',
    intervalMs: SWEEP_INTERVAL_MS,
    run: async () => table.sweep(),
    logger,
  });
  // The registry does not register with itself: callers find it at REGISTRY_URL.
  return { app, close: () => sweeper.stop() };
});

import { createServer, type Server } from 'node:http';
import { parseConfig, type Logger } from '@shop/shared/core';
import express from 'express';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { configShape } from './config.js';
import { requireMetricsToken } from './metrics.js';

/**
 * Every worker keeps its own counters; a scrape of one worker would see a share of the traffic,
 * and a different share each time. With METRICS_PORT set, the primary serves that port itself
 * with the sum over every worker (prom-client's cluster aggregation: counters and histograms
 * summed, gauges summed unless a metric says otherwise), and the workers serve no metrics port.
 */
export function serveClusterMetrics(logger: Logger): Server | undefined {
  let config;
  try {
    config = parseConfig(configShape);
  } catch {
    return undefined; // the workers report the bad setting and the primary stops with them
  }
  if (config.METRICS_PORT === undefined) return undefined;
  const aggregator = new AggregatorRegistry();
  const app = express()
    .disable('x-powered-by')
    .get('/metrics', requireMetricsToken(config.METRICS_TOKEN), async (_req, res) => {
      try {
        const text = await aggregator.clusterMetrics();
        res.type(aggregator.contentType).send(text);
      } catch (error) {
        // A worker that did not answer in time (starting, or being replaced): the next scrape will do.
        logger.warn({ err: error }, 'collecting the workers’ metrics failed');
        res.status(503).type('text/plain').send('metrics of a worker unavailable; retry\n');
      }
    });
  return createServer(app).listen(config.METRICS_PORT, config.HOST);
}

/** In a worker: answers the primary's requests for this worker's metrics. */
export function shareMetricsWithPrimary(registry: Registry): void {
  // Constructing one is what installs the worker's answer to the primary's request (prom-client).
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

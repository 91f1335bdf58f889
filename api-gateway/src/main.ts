import cluster from 'node:cluster';
import { createLogger, runService, type Logger, type ServiceConfig, type StartedService } from '@shop/shared';
import { superviseWorkers } from './cluster.js';
import { createApp } from './app.js';
import { createTokenVerifier } from './auth.js';
import { connectRedis, redisRateLimitStores } from './redis-store.js';
import { configShape, workerCount } from './config.js';
import { createGatewayMetrics } from './metrics.js';
import { staticUpstreams } from './upstreams.js';

const workers = workerCount();
if (cluster.isPrimary && workers > 1) {
  // The workers validate the full configuration; a bad value makes them exit and the log says why.
  superviseWorkers(workers, 10_000, createLogger('api-gateway'));
} else {
  void runService('api-gateway', configShape, startGateway);
}

async function startGateway(config: ServiceConfig<typeof configShape>, logger: Logger): Promise<StartedService> {
  // Counts in Redis are shared by every gateway replica; without REDIS_URL each keeps its own.
  const redis = config.REDIS_URL === undefined ? undefined : await connectRedis(config.REDIS_URL, (error) => logger.warn({ err: error }, 'redis error'));

  const app = createApp({
    logger,
    metrics: createGatewayMetrics(logger),
    resolver: staticUpstreams({
      'user-service': config.USER_SERVICE_URL,
      'product-service': config.PRODUCT_SERVICE_URL,
      'order-service': config.ORDER_SERVICE_URL,
    }),
    verifyToken: createTokenVerifier(config.JWT_SECRET),
    upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    corsOrigins: config.CORS_ORIGINS,
    metricsToken: config.METRICS_TOKEN,
    limits: {
      global: { windowMs: config.RATE_LIMIT_WINDOW_MS, limit: config.RATE_LIMIT_MAX },
      login: { windowMs: config.LOGIN_RATE_LIMIT_WINDOW_MS, limit: config.LOGIN_RATE_LIMIT_MAX },
      orders: { windowMs: config.ORDER_RATE_LIMIT_WINDOW_MS, limit: config.ORDER_RATE_LIMIT_MAX },
    },
    createRateLimitStore: redis === undefined ? undefined : redisRateLimitStores(redis),
  });
  return {
    app,
    close: async () => {
      await redis?.close();
    },
  };
}

import cluster from 'node:cluster';
import { ConfigError, createLogger, type Logger, type ServiceConfig } from '@shop/shared/core';
import { createDiscovery, registerDiscoveryMetrics } from '@shop/shared/discovery';
import { runService, type StartedService } from '@shop/shared/http';
import { createApp } from './app.js';
import { createTokenVerifier } from './auth.js';
import { serveClusterMetrics, shareMetricsWithPrimary } from './cluster-metrics.js';
import { superviseWorkers } from './cluster.js';
import { configShape, workerCount } from './config.js';
import { limitConnections } from './connection-limits.js';
import type { LiveFeed } from './live-feed.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.js';
import { isWebSocketUpgrade, routeUpgrades } from './upgrade.js';
import { UPSTREAMS, type UpstreamEndpoints } from './upstreams.js';

// The gateway always runs under a supervising primary: a worker that dies (whatever killed it)
// is replaced, so one bad request can cost at most the requests in flight on that worker.
if (cluster.isPrimary) {
  // The workers validate the full configuration; a bad value makes them exit and the log says why.
  // Each worker bounds its own shutdown (drain delay + SHUTDOWN_TIMEOUT_MS); this is only a backstop.
  const logger = createLogger('api-gateway');
  superviseWorkers(workerCount(), 5 * 60_000, logger);
  serveClusterMetrics(logger);
} else {
  void runService('api-gateway', configShape, startGateway);
}

async function startGateway(config: ServiceConfig<typeof configShape>, logger: Logger): Promise<StartedService> {
  // The public port must not publish internals in production: metrics go to an internal port, or behind a token.
  if (config.NODE_ENV === 'production' && config.METRICS_PORT === undefined && config.METRICS_TOKEN === undefined) {
    throw new ConfigError([
      'METRICS_PORT or METRICS_TOKEN: one is required in production, so that /metrics is not public',
    ]);
  }
  const metrics = createGatewayMetrics(logger);
  const [redis, liveFeed] =
    config.REDIS_URL === undefined
      ? []
      : await Promise.all([
          connectSharedCounts(config.REDIS_URL, logger),
          startLiveFeedOn(config.REDIS_URL, config, metrics, logger),
        ]);
  const discovery = createDiscovery({
    mode: config.DISCOVERY,
    registryUrl: config.REGISTRY_URL,
    refreshMs: config.DISCOVERY_REFRESH_MS,
    configured: {
      'user-service': config.USER_SERVICE_URL,
      'product-service': config.PRODUCT_SERVICE_URL,
      'order-service': config.ORDER_SERVICE_URL,
    },
    logger,
  });
  await discovery.start();
  registerDiscoveryMetrics(discovery, metrics.registry);
  const upstreams = Object.fromEntries(UPSTREAMS.map((name) => [name, discovery.endpoint(name)])) as UpstreamEndpoints;

  const app = createApp({
    logger,
    metrics,
    upstreams,
    verifyToken: createTokenVerifier(config.JWT_SECRET),
    upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    upstreamConnectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
    microCache: { ttlMs: config.GATEWAY_MICRO_CACHE_MS },
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    corsOrigins: config.CORS_ORIGINS,
    servesMetrics: config.METRICS_PORT === undefined,
    metricsToken: config.METRICS_TOKEN,
    limits: {
      global: { windowMs: config.RATE_LIMIT_WINDOW_MS, limit: config.RATE_LIMIT_MAX },
      password: { windowMs: config.PASSWORD_RATE_LIMIT_WINDOW_MS, limit: config.PASSWORD_RATE_LIMIT_MAX },
      login: { windowMs: config.LOGIN_RATE_LIMIT_WINDOW_MS, limit: config.LOGIN_RATE_LIMIT_MAX },
      orders: { windowMs: config.ORDER_RATE_LIMIT_WINDOW_MS, limit: config.ORDER_RATE_LIMIT_MAX },
    },
    createRateLimitStore: redis?.stores,
    liveFeed,
  });

  // METRICS_PORT is served by the primary, with every worker's metrics summed.
  if (config.METRICS_PORT !== undefined) shareMetricsWithPrimary(metrics.registry);
  return {
    app,
    shouldUpgrade: isWebSocketUpgrade,
    configureServer: (server) => {
      routeUpgrades(server, app);
      limitConnections(
        server,
        { total: config.MAX_CONNECTIONS, perClient: config.MAX_CONNECTIONS_PER_CLIENT },
        (scope) => metrics.rejections.inc({ reason: `connection_limit_${scope}` }),
      );
    },
    // Open sockets get 1001 when the server stops accepting, after the drain delay: until then
    // they keep receiving, and clients that reconnect meet an instance still in rotation.
    closeLongLivedConnections: () => void liveFeed?.close(),
    close: async () => {
      discovery.close();
      await redis?.client.close();
    },
  };
}

/**
 * Counts in Redis are shared by every gateway replica; without REDIS_URL each keeps its own, and
 * the Redis client (some 500 modules) is not even loaded.
 */
async function connectSharedCounts(url: string, logger: Logger) {
  const [{ connectRedis }, { redisRateLimitStores }] = await Promise.all([
    import('@shop/shared/events'),
    import('./redis-store.js'),
  ]);
  // Reconnect errors are debug: the stores say once when the limits fail open, and once when they count again.
  // A Redis that stops answering without closing the connection is dropped after 5 s and reconnected.
  const client = await connectRedis(url, (error) => logger.debug({ err: error }, 'redis error'), 2000, {
    socketTimeoutMs: 5000,
  });
  return { client, stores: redisRateLimitStores(client, logger) };
}

/** The live order feed and its own reader of the order event stream; loaded only with REDIS_URL. */
async function startLiveFeedOn(
  url: string,
  config: ServiceConfig<typeof configShape>,
  metrics: GatewayMetrics,
  logger: Logger,
): Promise<LiveFeed> {
  const { startLiveFeed } = await import('./order-event-reader.js');
  return startLiveFeed({
    redisUrl: url,
    settings: {
      maxConnections: config.LIVE_MAX_CONNECTIONS,
      maxConnectionsPerUser: config.LIVE_MAX_CONNECTIONS_PER_USER,
      pingIntervalMs: config.LIVE_PING_INTERVAL_MS,
      maxBufferedBytes: config.LIVE_MAX_BUFFERED_BYTES,
    },
    metrics,
    logger,
  });
}

import { serviceAuthorization, startSweeper } from '@shop/shared/core';
import { createDiscovery, registerDiscoveryMetrics, registrationSettings } from '@shop/shared/discovery';
import { createHttpMetrics, createSweepMetrics, runService } from '@shop/shared/http';
import { connectDatabase, isDatabaseReachable } from '@shop/shared/mongo';
import { ServiceClient } from '@shop/shared/service-client';
import { createApp } from './app.js';
import { createProductServiceClient } from './clients/product-service.client.js';
import { RecentUsers, createUserServiceClient } from './clients/user-service.client.js';
import { configShape } from './config.js';
import { createOrderRepository } from './data-access/order.repository.js';
import { sweepStaleOrders } from './domain/sweep-stale-orders.use-case.js';
import { createOrderMetrics } from './metrics.js';

void runService('order-service', configShape, async (config, logger) => {
  const connection = await connectDatabase({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB, logger });
  const orders = createOrderRepository(connection);
  await orders.ensureIndexes();
  const authorization = serviceAuthorization('order-service', config.JWT_SECRET);
  const metrics = createHttpMetrics('order-service', logger);
  const orderMetrics = createOrderMetrics(metrics.registry, orders, logger);
  const upstream = {
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    deadlineMs: config.UPSTREAM_DEADLINE_MS,
    retries: config.UPSTREAM_RETRIES,
    breaker: { consecutiveFailures: config.BREAKER_FAILURES, halfOpenAfterMs: config.BREAKER_HALF_OPEN_AFTER_MS },
    registry: metrics.registry,
  };
  const discovery = createDiscovery({
    mode: config.DISCOVERY,
    registryUrl: config.REGISTRY_URL,
    refreshMs: config.DISCOVERY_REFRESH_MS,
    configured: { 'user-service': config.USER_SERVICE_URL, 'product-service': config.PRODUCT_SERVICE_URL },
    logger,
  });
  await discovery.start();
  registerDiscoveryMetrics(discovery, metrics.registry);
  const userService = new ServiceClient({
    ...upstream,
    name: 'user-service',
    endpoint: discovery.endpoint('user-service'),
  });
  const productService = new ServiceClient({
    ...upstream,
    name: 'product-service',
    endpoint: discovery.endpoint('product-service'),
  });
  const recentUsers = new RecentUsers({ ttlMs: config.USER_CACHE_TTL_MS, maxEntries: config.USER_CACHE_MAX });
  const stock = createProductServiceClient(productService, authorization);
  const app = createApp({
    logger,
    orders,
    users: createUserServiceClient(userService, authorization, { recentUsers, logger }),
    stock,
    jwtSecret: config.JWT_SECRET,
    metrics,
    orderMetrics,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    readiness: [{ name: 'database', check: () => isDatabaseReachable(connection) }],
  });
  const sweeper = startSweeper({
    name: 'stale-orders',
    intervalMs: config.SWEEP_INTERVAL_MS,
    logger,
    metrics: createSweepMetrics(metrics.registry),
    run: () =>
      sweepStaleOrders({ orders, stock, logger, orderMetrics }, { timeoutMs: config.PENDING_ORDER_TIMEOUT_MS }),
  });
  return {
    app,
    registration: registrationSettings(config),
    close: async () => {
      await sweeper.stop();
      discovery.close();
      userService.close();
      productService.close();
      await connection.close();
    },
  };
});

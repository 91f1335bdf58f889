import { serviceAuthorization, startSweeper, type Logger } from '@shop/shared/core';
import { createDiscovery, registerDiscoveryMetrics, registrationSettings } from '@shop/shared/discovery';
import { createHttpMetrics, createSweepMetrics, runService } from '@shop/shared/http';
import { connectDatabase, isDatabaseReachable } from '@shop/shared/mongo';
import { connectRedis, createOrderEventPublisher } from '@shop/shared/events';
import { ServiceClient } from '@shop/shared/service-client';
import { createApp } from './app.js';
import { createProductServiceClient } from './clients/product-service.client.js';
import { RecentUsers, createUserServiceClient } from './clients/user-service.client.js';
import { configShape } from './config.js';
import { createOrderOutboxRepository } from './data-access/order-outbox.repository.js';
import { createOrderRepository } from './data-access/order.repository.js';
import { startOrderEventRelay, type OrderEventRelay } from './domain/order-event-relay.js';
import type { OrderOutbox } from './domain/order-outbox.js';
import { relayOrderEvents } from './domain/relay-order-events.use-case.js';
import { sweepStaleOrders } from './domain/sweep-stale-orders.use-case.js';
import { createEventMetrics, createOrderMetrics, type EventMetrics } from './metrics.js';

void runService('order-service', configShape, async (config, logger) => {
  const connection = await connectDatabase({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB, logger });
  const metrics = createHttpMetrics('order-service', logger);
  const outbox = createOrderOutboxRepository(connection);
  const eventMetrics = createEventMetrics(metrics.registry, outbox, logger);
  const orders = createOrderRepository(connection, {
    onEventWritten: (event) => {
      eventMetrics.written(event);
      // Only called once requests are served, when `events` below is set.
      events?.relay.nudge();
    },
  });
  await orders.ensureIndexes();
  const events =
    config.REDIS_URL === undefined
      ? undefined
      : await startRelay({ ...config, REDIS_URL: config.REDIS_URL }, { outbox, eventMetrics, logger });
  if (events === undefined)
    logger.warn('REDIS_URL is not set: order events are kept in the outbox until order-service runs with Redis');
  const authorization = serviceAuthorization('order-service', config.JWT_SECRET);
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
      await events?.close();
      discovery.close();
      userService.close();
      productService.close();
      await connection.close();
    },
  };
});

/**
 * The outbox relay, publishing to the Redis at `REDIS_URL`. Without REDIS_URL there is none:
 * events are still written and wait in the outbox for an order-service that has Redis.
 */
async function startRelay(
  config: { REDIS_URL: string; OUTBOX_RELAY_INTERVAL_MS: number; ORDER_EVENTS_MAX_LEN: number },
  deps: { outbox: OrderOutbox; eventMetrics: EventMetrics; logger: Logger },
): Promise<{ relay: OrderEventRelay; close(): Promise<void> }> {
  const { logger } = deps;
  // The relay says once per outage that publishing fails; the client's reconnect errors would repeat it every 2 s.
  const client = await connectRedis(config.REDIS_URL, (error) => logger.debug({ err: error }, 'redis error'));
  const publisher = createOrderEventPublisher(client, { maxLen: config.ORDER_EVENTS_MAX_LEN });
  const relay = startOrderEventRelay({
    intervalMs: config.OUTBOX_RELAY_INTERVAL_MS,
    logger,
    round: () => relayOrderEvents({ outbox: deps.outbox, publisher, metrics: deps.eventMetrics, logger }),
  });
  return {
    relay,
    async close() {
      await relay.stop();
      // close() waits for commands in flight, which a hung Redis never answers; destroy() does not wait.
      client.destroy();
    },
  };
}

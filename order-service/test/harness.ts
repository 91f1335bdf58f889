import { serviceAuthorization, type Logger } from '@shop/shared/core';
import { createHttpMetrics } from '@shop/shared/http';
import { fixedEndpoint } from '@shop/shared/discovery';
import { ServiceClient, type ServiceClientOptions } from '@shop/shared/service-client';
import { TEST_JWT_SECRET, newId, openTestDatabase, testLogger, type TestDatabase } from '@shop/test-support';
import type { Express } from 'express';
import { createApp } from '../src/app';
import { createProductServiceClient } from '../src/clients/product-service.client';
import type { OrderMetrics } from '../src/domain/order-metrics';
import type { StockReservations } from '../src/domain/stock-reservations';
import { connectRedis, createOrderEventPublisher } from '@shop/shared/events';
import { createEventMetrics, createOrderMetrics } from '../src/metrics';
import { createOrderOutboxRepository } from '../src/data-access/order-outbox.repository';
import { createOrderRepository, type OrderRepository } from '../src/data-access/order.repository';
import { startOrderEventRelay, type OrderEventRelay } from '../src/domain/order-event-relay';
import type { OrderOutbox } from '../src/domain/order-outbox';
import { relayOrderEvents } from '../src/domain/relay-order-events.use-case';
import { FakeStock, FakeUsers } from './fakes';

interface BaseHarness {
  app: Express;
  orders: OrderRepository;
  users: FakeUsers;
  database: TestDatabase;
  /** The business metrics, on the registry the app's /metrics serves. */
  orderMetrics: OrderMetrics;
  /** The outbox the relay reads, as main.ts wires it. */
  outbox: OrderOutbox;
  /**
   * Starts an outbox relay publishing to the Redis at `redisUrl`, wired as main.ts does (nudged by
   * every event written); several may run at once, like several instances. Stopped by `close()`.
   */
  startRelay(redisUrl: string, options?: RelayOptions): Promise<RunningRelay>;
  /** A user known to the fake user-service; returns its id. */
  addUser(): string;
  close(): Promise<void>;
}

/** order-service with both downstream services faked at the client seam. */
export interface Harness extends BaseHarness {
  stock: FakeStock;
  /** A product known to the fake product-service; returns its id. */
  addProduct(stock: number, priceCents?: number, name?: string): string;
}

export interface RelayOptions {
  intervalMs?: number;
  maxBackoffMs?: number;
  batchSize?: number;
  logger?: Logger;
}

export interface RunningRelay {
  relay: OrderEventRelay;
  /** Stops the relay and drops its Redis connection (a crash, as far as the outbox is concerned). */
  stop(): Promise<void>;
}

async function buildHarness(
  stock: StockReservations,
  logger: Logger,
  onClose: () => void = () => undefined,
): Promise<BaseHarness> {
  const database = await openTestDatabase('orders');
  const metrics = createHttpMetrics('order-service', logger);
  const outbox = createOrderOutboxRepository(database.connection);
  const eventMetrics = createEventMetrics(metrics.registry, outbox, logger);
  const relays = new Set<RunningRelay>();
  const orders = createOrderRepository(database.connection, {
    onEventWritten: (event) => {
      eventMetrics.written(event);
      for (const running of relays) running.relay.nudge();
    },
  });
  await orders.ensureIndexes();
  const users = new FakeUsers();
  const orderMetrics = createOrderMetrics(metrics.registry, orders, logger);
  const app = createApp({
    logger,
    orders,
    users,
    stock,
    jwtSecret: TEST_JWT_SECRET,
    metrics,
    orderMetrics,
    bodyLimitBytes: 100 * 1024,
    readiness: [],
  });
  return {
    app,
    orders,
    users,
    database,
    orderMetrics,
    outbox,
    async startRelay(redisUrl, options = {}) {
      const relayLogger = options.logger ?? logger;
      const client = await connectRedis(redisUrl, () => undefined);
      const publisher = createOrderEventPublisher(client, { maxLen: 1_000_000, timeoutMs: 1000 });
      const relay = startOrderEventRelay({
        intervalMs: options.intervalMs ?? 200,
        maxBackoffMs: options.maxBackoffMs ?? 1000,
        logger: relayLogger,
        round: () =>
          relayOrderEvents(
            { outbox, publisher, metrics: eventMetrics, logger: relayLogger },
            { batchSize: options.batchSize ?? 100 },
          ),
      });
      const running: RunningRelay = {
        relay,
        async stop() {
          relays.delete(running);
          await relay.stop();
          client.destroy();
        },
      };
      relays.add(running);
      return running;
    },
    addUser() {
      const id = newId();
      users.known.add(id);
      return id;
    },
    async close() {
      await Promise.all([...relays].map((running) => running.stop()));
      onClose();
      await database.close();
    },
  };
}

export async function createHarness(): Promise<Harness> {
  const stock = new FakeStock();
  const base = await buildHarness(stock, testLogger);
  return {
    ...base,
    stock,
    addProduct(count, priceCents = 1000, name = 'Widget') {
      const id = newId();
      stock.products.set(id, { name, priceCents, stock: count });
      return id;
    },
  };
}

/**
 * order-service with the real product-service client pointed at `productServiceUrl` (a real
 * process, or a local HTTP server posing as one), so the client's parsing, validation and error
 * mapping are under test. user-service stays faked. No retries unless `client` asks for them:
 * each test sees one attempt.
 */
export async function createHarnessWithProductServiceAt(
  productServiceUrl: string,
  options: { logger?: Logger; client?: Partial<Omit<ServiceClientOptions, 'name' | 'endpoint'>> } = {},
): Promise<BaseHarness> {
  const http = new ServiceClient({
    name: 'product-service',
    endpoint: fixedEndpoint(productServiceUrl),
    retries: 0,
    timeoutMs: 2000,
    deadlineMs: 3000,
    ...options.client,
  });
  const stock = createProductServiceClient(http, serviceAuthorization('order-service', TEST_JWT_SECRET));
  return buildHarness(stock, options.logger ?? testLogger, () => http.close());
}

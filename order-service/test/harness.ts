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
import { createOrderMetrics } from '../src/metrics';
import { createOrderRepository, type OrderRepository } from '../src/data-access/order.repository';
import { FakeStock, FakeUsers } from './fakes';

interface BaseHarness {
  app: Express;
  orders: OrderRepository;
  users: FakeUsers;
  database: TestDatabase;
  /** The business metrics, on the registry the app's /metrics serves. */
  orderMetrics: OrderMetrics;
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

async function buildHarness(
  stock: StockReservations,
  logger: Logger,
  onClose: () => void = () => undefined,
): Promise<BaseHarness> {
  const database = await openTestDatabase('orders');
  const orders = createOrderRepository(database.connection);
  await orders.ensureIndexes();
  const users = new FakeUsers();
  const metrics = createHttpMetrics('order-service', logger);
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
    addUser() {
      const id = newId();
      users.known.add(id);
      return id;
    },
    async close() {
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

import { createHttpMetrics } from '@shop/shared';
import { TEST_JWT_SECRET, newId, openTestDatabase, testLogger, type TestDatabase } from '@shop/test-support';
import type { Express } from 'express';
import { createApp } from '../src/app';
import { createOrderRepository, type OrderRepository } from '../src/data-access/order.repository';
import { FakeStock, FakeUsers } from './fakes';

export interface Harness {
  app: Express;
  orders: OrderRepository;
  stock: FakeStock;
  users: FakeUsers;
  database: TestDatabase;
  /** A product known to the fake product-service; returns its id. */
  addProduct(stock: number, priceCents?: number, name?: string): string;
  /** A user known to the fake user-service; returns its id. */
  addUser(): string;
}

export async function createHarness(): Promise<Harness> {
  const database = await openTestDatabase('orders');
  const orders = createOrderRepository(database.connection);
  await orders.init();
  const stock = new FakeStock();
  const users = new FakeUsers();
  const app = createApp({
    logger: testLogger,
    orders,
    users,
    stock,
    jwtSecret: TEST_JWT_SECRET,
    metrics: createHttpMetrics('order-service', testLogger),
    bodyLimitBytes: 100 * 1024,
    readiness: [],
  });
  return {
    app,
    orders,
    stock,
    users,
    database,
    addProduct(count, priceCents = 1000, name = 'Widget') {
      const id = newId();
      stock.products.set(id, { name, priceCents, stock: count });
      return id;
    },
    addUser() {
      const id = newId();
      users.known.add(id);
      return id;
    },
  };
}

import { createHttpMetrics } from '@shop/shared/http';
import { bearer, openTestDatabase, TEST_JWT_SECRET, testLogger, type TestDatabase } from '@shop/test-support';
import type { Express } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import { createApp } from '../src/app';
import { createProductRepository } from '../src/data-access/product.repository';
import { createReservationRepository } from '../src/data-access/reservation.repository';
import { createSaleRepository } from '../src/data-access/sale.repository';
import type { ProductStore } from '../src/domain/product';
import type { SaleStore } from '../src/domain/sale';
import { countingStockMoves, type StockMetrics } from '../src/domain/stock-metrics';
import { createStockMetrics } from '../src/metrics';
import { buildProduct, type ProductInput } from './builders';
import type { ProductInventoryView, ProductView } from '../src/routes/product.view';

export const BODY_LIMIT_BYTES = 100 * 1024;

/** A product as the API answers it. */
export type ProductBody = ProductView;

export interface TestApi {
  app: Express;
  db: TestDatabase;
  http: ReturnType<typeof request>;
  /** The business metrics, on the registry the app's /metrics serves. */
  stockMetrics: StockMetrics;
  /** The store the app uses (its stock moves counted by `stockMetrics`). */
  products: ProductStore;
  /** The order lines soldCount is counted from (what the order event consumer writes to). */
  sales: SaleStore;
  /** Creates a product as an admin and returns its JSON. */
  createProduct(overrides?: Partial<ProductInput>): Promise<ProductBody>;
  getProduct(id: string): Promise<ProductBody>;
  /** Stock, held and sold units, read through the internal inventory route. */
  getInventory(id: string): Promise<ProductInventoryView>;
  close(): Promise<void>;
}

/** The real app on a database of its own; call `close` in afterAll. */
export async function startTestApi(): Promise<TestApi> {
  const db = await openTestDatabase('products');
  const repository = createProductRepository(db.connection);
  const reservations = createReservationRepository(db.connection);
  const sales = createSaleRepository(db.connection);
  await Promise.all([repository.ensureIndexes(), reservations.ensureIndexes(), sales.ensureIndexes()]);
  const metrics = createHttpMetrics('product-service', testLogger);
  const stockMetrics = createStockMetrics(metrics.registry, repository, testLogger);
  const products = countingStockMoves(repository, stockMetrics);
  const app = createApp({
    logger: testLogger,
    metrics,
    products,
    reservations,
    jwtSecret: TEST_JWT_SECRET,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    readiness: [],
  });
  const http = request(app);
  return {
    app,
    db,
    http,
    stockMetrics,
    products,
    sales,
    async createProduct(overrides = {}) {
      const response = await http.post('/products').set(bearer('admin')).send(buildProduct(overrides));
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body as ProductBody;
    },
    async getProduct(id) {
      const response = await http.get(`/products/${id}`);
      expect(response.status).toBe(200);
      return response.body as ProductBody;
    },
    async getInventory(id) {
      const response = await http.get(`/products/${id}/inventory`).set(bearer('service'));
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body as ProductInventoryView;
    },
    close: () => db.close(),
  };
}

/** Asserts a problem+json answer with its status and stable code; returns the body. */
export function expectProblem(response: request.Response, status: number, code: string): Record<string, unknown> {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(response.text) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code });
  expect(body.requestId).toEqual(expect.any(String));
  return body;
}

/**
 * The two answers cannot be told apart: same status, content type and body, the request id
 * aside. What a test that no existence oracle is left asserts.
 */
export function expectSameAnswer(actual: request.Response, expected: request.Response): void {
  const withoutRequestId = ({ requestId: _requestId, ...rest }: Record<string, unknown>) => rest;
  expect(actual.status).toBe(expected.status);
  expect(actual.headers['content-type']).toBe(expected.headers['content-type']);
  expect(withoutRequestId(JSON.parse(actual.text) as Record<string, unknown>)).toEqual(
    withoutRequestId(JSON.parse(expected.text) as Record<string, unknown>),
  );
}

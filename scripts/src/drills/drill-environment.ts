import { randomBytes, randomUUID } from 'node:crypto';
import { signAccessToken } from '@shop/shared/core';
import { freePort } from '../database/process-utils';
import { startStack, type RunningStack } from '../stack';
import { startDelayProxy, type DelayProxy } from './delay-proxy';
import type { DrillProduct, InvariantSources } from './invariants';

/** Short settings, so a breaker opens after a few failures and sweeps run within seconds. */
export const DRILL_SETTINGS = {
  breakerFailures: 3,
  breakerHalfOpenAfterMs: 2000,
  upstreamTimeoutMs: 300,
  upstreamDeadlineMs: 1500,
  pendingOrderTimeoutMs: 2000,
  reservationTimeoutMs: 2000,
  sweepIntervalMs: 500,
} as const;

/** The drills talk to order-service directly; the gateway is not started. */
export type DrillService = 'user-service' | 'product-service' | 'order-service';

export interface DrillEnvironment {
  stack: RunningStack<DrillService>;
  /** In front of product-service; order-service's PRODUCT_SERVICE_URL points here. */
  proxy: DelayProxy;
  orderServiceUrl: string;
  productServiceUrl: string;
  adminToken: string;
  /** A registered user (order-service checks the user exists at user-service). */
  shopperToken: string;
  sources: InvariantSources;
  log(message: string): void;
  stop(): Promise<void>;
}

export interface DrillEnvironmentOptions {
  mongoUri: string;
  log?: (message: string) => void;
}

export async function startDrillEnvironment({
  mongoUri,
  log = () => undefined,
}: DrillEnvironmentOptions): Promise<DrillEnvironment> {
  const jwtSecret = randomBytes(32).toString('hex');
  const ports = {
    'user-service': await freePort(),
    'product-service': await freePort(),
    'order-service': await freePort(),
    'api-gateway': 0,
  };
  const proxy = await startDelayProxy(`http://127.0.0.1:${ports['product-service']}`);
  let stack: RunningStack<DrillService>;
  try {
    stack = await startStack({
      mongoUri,
      jwtSecret,
      only: ['user-service', 'product-service', 'order-service'],
      dbPrefix: `drill-${randomBytes(3).toString('hex')}-`,
      ports,
      env: { LOG_LEVEL: 'warn', NODE_ENV: 'test' },
      serviceEnv: {
        'order-service': {
          PRODUCT_SERVICE_URL: proxy.url,
          BREAKER_FAILURES: String(DRILL_SETTINGS.breakerFailures),
          BREAKER_HALF_OPEN_AFTER_MS: String(DRILL_SETTINGS.breakerHalfOpenAfterMs),
          UPSTREAM_TIMEOUT_MS: String(DRILL_SETTINGS.upstreamTimeoutMs),
          UPSTREAM_DEADLINE_MS: String(DRILL_SETTINGS.upstreamDeadlineMs),
          PENDING_ORDER_TIMEOUT_MS: String(DRILL_SETTINGS.pendingOrderTimeoutMs),
          SWEEP_INTERVAL_MS: String(DRILL_SETTINGS.sweepIntervalMs),
        },
        'product-service': {
          RESERVATION_TIMEOUT_MS: String(DRILL_SETTINGS.reservationTimeoutMs),
          SWEEP_INTERVAL_MS: String(DRILL_SETTINGS.sweepIntervalMs),
        },
      },
    });
  } catch (error) {
    await proxy.close();
    throw error;
  }

  // Last resort if the drill process itself dies without running its cleanup: no orphaned services.
  const killChildren = () => {
    for (const service of Object.values(stack.services)) {
      if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
    }
  };
  process.once('exit', killChildren);
  const stop = async () => {
    process.removeListener('exit', killChildren);
    await proxy.close();
    await stack.stop();
  };

  try {
    const adminToken = signAccessToken({ id: randomBytes(12).toString('hex'), role: 'admin' }, jwtSecret, 3600).token;
    const registered = await fetch(`${stack.url('user-service')}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Drill shopper',
        email: `drill-${randomUUID()}@example.com`,
        password: 'drill-password-123',
      }),
    });
    if (registered.status !== 201)
      throw new Error(`registering the drill shopper answered ${registered.status}: ${await registered.text()}`);
    const { token: shopperToken } = (await registered.json()) as { token: string };
    const orderServiceUrl = stack.url('order-service');
    const productServiceUrl = stack.url('product-service');
    return {
      stack,
      proxy,
      orderServiceUrl,
      productServiceUrl,
      adminToken,
      shopperToken,
      sources: { orderServiceUrl, productServiceUrl, adminToken },
      log,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Creates products (directly at product-service, as an admin) for one drill. */
export async function createProducts(env: DrillEnvironment, label: string, stocks: number[]): Promise<DrillProduct[]> {
  const products: DrillProduct[] = [];
  for (const [index, stock] of stocks.entries()) {
    const res = await fetch(`${env.productServiceUrl}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${env.adminToken}` },
      body: JSON.stringify({
        name: `${label} ${index + 1}`,
        description: 'fault drill',
        price: 9.99,
        category: 'drill',
        stock,
      }),
    });
    if (res.status !== 201) throw new Error(`creating a product answered ${res.status}: ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    products.push({ id, initialStock: stock });
  }
  return products;
}

/** `items[index]`, which must exist. */
export function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new RangeError(`no item at ${index} of ${items.length}`);
  return item;
}

/** One answer to `POST /orders` (or a cancel): status 0 when no answer came (connection refused or cut). */
export interface OrderSample {
  startedAt: number;
  endedAt: number;
  ms: number;
  status: number;
  code?: string;
  /** The order's id, when the answer carried one. */
  orderId?: string;
}

/** Sends one request as the shopper, straight at order-service, and times the answer. */
async function sendAsShopper(
  env: DrillEnvironment,
  path: string,
  init: { body?: unknown; idempotencyKey?: string },
): Promise<OrderSample> {
  const startedAt = Date.now();
  let status = 0;
  let code: string | undefined;
  let orderId: string | undefined;
  try {
    const res = await fetch(`${env.orderServiceUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${env.shopperToken}`,
        ...(init.idempotencyKey === undefined ? {} : { 'idempotency-key': init.idempotencyKey }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(10_000),
    });
    status = res.status;
    const body = (await res.json().catch(() => undefined)) as { code?: unknown; id?: unknown } | undefined;
    if (typeof body?.code === 'string') code = body.code;
    if (typeof body?.id === 'string') orderId = body.id;
  } catch {
    status = 0;
  }
  const endedAt = Date.now();
  return { startedAt, endedAt, ms: endedAt - startedAt, status, code, orderId };
}

/** Places one order of the given lines, straight at order-service. */
export function placeOrderOf(
  env: DrillEnvironment,
  items: { productId: string; quantity: number }[],
): Promise<OrderSample> {
  return sendAsShopper(env, '/orders', { body: { items }, idempotencyKey: randomUUID() });
}

/** Places one order of `quantity` units of one product, straight at order-service. */
export function placeOrder(env: DrillEnvironment, productId: string, quantity = 1): Promise<OrderSample> {
  return placeOrderOf(env, [{ productId, quantity }]);
}

/** Cancels one of the shopper's orders (200 with the cancelled order). */
export function cancelOrder(env: DrillEnvironment, orderId: string): Promise<OrderSample> {
  return sendAsShopper(env, `/orders/${orderId}/cancel`, {});
}

export interface OrderStream {
  /** Every answer so far, in the order they came. */
  samples: OrderSample[];
  /** Stops the clients and waits for the orders in flight. */
  stop(): Promise<OrderSample[]>;
}

/**
 * `clients` buyers, each placing one order at a time (one unit of a random product), with
 * `thinkMs` between orders, until stop() or `maxMs` (a bound in case the drill loses its way).
 */
export function startOrderStream(
  env: DrillEnvironment,
  products: DrillProduct[],
  { clients, thinkMs, maxMs }: { clients: number; thinkMs: number; maxMs: number },
): OrderStream {
  const samples: OrderSample[] = [];
  const endAt = Date.now() + maxMs;
  let isStopped = false;
  const client = async () => {
    while (!isStopped && Date.now() < endAt) {
      const product = at(products, Math.floor(Math.random() * products.length));
      samples.push(await placeOrder(env, product.id));
      await new Promise((resolve) => setTimeout(resolve, thinkMs));
    }
  };
  const running = Promise.all(Array.from({ length: clients }, client));
  return {
    samples,
    async stop() {
      isStopped = true;
      await running;
      return samples;
    },
  };
}

/** Places orders until one succeeds: the stack is healthy again (breakers closed). */
export async function waitForOrdersToFlow(
  env: DrillEnvironment,
  product: DrillProduct,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: OrderSample | undefined;
  while (Date.now() < deadline) {
    last = await placeOrder(env, product.id);
    if (last.status === 201) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no order succeeded within ${timeoutMs} ms (last answer ${last?.status} ${last?.code ?? ''})`);
}

/** A counter of order-service's /metrics, summed over the series whose labels contain `labels`. */
export async function readCounter(env: DrillEnvironment, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${env.orderServiceUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) || !line.includes(labels)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

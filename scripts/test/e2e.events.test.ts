import { randomUUID } from 'node:crypto';
import { EVENT_FIELD, ORDER_EVENTS_STREAM, connectRedis, type OrderEvent } from '@shop/shared/events';
import {
  createApiClient,
  E2E_ADMIN,
  describeWithRedis,
  sampleSum,
  startRedisServer,
  startTestStack,
  unique,
  withToken,
  type ApiClient,
  type LocalRedis,
} from '@shop/test-support';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { RunningStack } from '../src/stack';

/**
 * Order events end to end: order-service's outbox and relay, product-service's soldCount and the
 * gateway's live feed, as real processes around a real redis-server that is stopped and started
 * again (docs/events.md).
 */

let redis: LocalRedis;
let stack: RunningStack;
// Through the gateway with the typed client: every answer is checked against api-gateway/openapi.json.
let api: ApiClient;
let adminToken: string;
const sockets: WebSocket[] = [];

/** A message of the live feed (fields checked one by one). */
interface LiveMessage {
  type: string;
  [field: string]: unknown;
}

interface LiveClient {
  /** Every message so far, in the order received. */
  messages: LiveMessage[];
  /** The first message from the read position on that matches, within `timeoutMs`; the position moves past it. */
  next(match: (message: LiveMessage) => boolean, timeoutMs?: number): Promise<LiveMessage>;
  /** The `order.status` messages of one order, repeats (same eventId) dropped, as a client does. */
  statusesOf(orderId: string): string[];
  close(): void;
}

/** A WebSocket to the gateway's live feed, with the token in `Authorization`, as a shopper's app opens it. */
function openLive(token: string): Promise<LiveClient> {
  const ws = new WebSocket(`${stack.url('api-gateway').replace(/^http/, 'ws')}/api/orders/live`, {
    headers: { authorization: `Bearer ${token}` },
  });
  sockets.push(ws);
  const messages: LiveMessage[] = [];
  const waiters = new Set<() => void>();
  let position = 0;
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as LiveMessage);
    for (const wake of waiters) wake();
  });
  const next = (match: (message: LiveMessage) => boolean, timeoutMs = 5000) =>
    new Promise<LiveMessage>((resolve, reject) => {
      const look = () => {
        for (let i = position; i < messages.length; i++) {
          if (!match(messages[i]!)) continue;
          position = i + 1;
          waiters.delete(look);
          clearTimeout(timer);
          resolve(messages[i]!);
          return;
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(look);
        reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
      }, timeoutMs);
      waiters.add(look);
      look();
    });
  const statusesOf = (orderId: string) => {
    const seen = new Set<unknown>();
    return messages
      .filter((m) => m.type === 'order.status' && m.orderId === orderId && !seen.has(m.eventId) && seen.add(m.eventId))
      .map((m) => String(m.status));
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ messages, next, statusesOf, close: () => ws.close() }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const isFeed = (state: string) => (m: LiveMessage) => m.type === 'feed.status' && m.state === state;
const isOrder = (orderId: string, status: string) => (m: LiveMessage) =>
  m.type === 'order.status' && m.orderId === orderId && m.status === status;
const orderIdsIn = (client: LiveClient) =>
  new Set(client.messages.filter((m) => m.type === 'order.status').map((m) => m.orderId));

async function registerShopper(): Promise<string> {
  const res = await api.POST('/api/auth/register', {
    body: { name: 'Shopper', email: `${unique('live')}@example.com`, password: 'correct horse battery' },
  });
  expect(res.response.status).toBe(201);
  return res.data!.token;
}

async function createProduct(stock = 20): Promise<string> {
  const res = await api.POST('/api/products', {
    ...withToken(adminToken),
    body: { name: unique('Kettle'), description: 'e2e events', price: 10, category: unique('cat'), stock },
  });
  expect(res.response.status).toBe(201);
  return res.data!.id;
}

/** When each order's 201 came: its live messages are due within a second of it. */
const answeredAt = new Map<string, number>();
const aSecondAfterThe201 = (orderId: string) => Math.max(0, answeredAt.get(orderId)! + 1000 - Date.now());

async function placeOrder(token: string, productId: string, quantity: number): Promise<string> {
  const res = await api.POST('/api/orders', {
    ...withToken(token),
    params: { header: { 'Idempotency-Key': randomUUID() } },
    body: { items: [{ productId, quantity }] },
  });
  expect(res.response.status, JSON.stringify(res.error)).toBe(201);
  expect(res.data!.status).toBe('confirmed');
  answeredAt.set(res.data!.id, Date.now());
  return res.data!.id;
}

async function cancelOrder(token: string, orderId: string): Promise<void> {
  const res = await api.POST('/api/orders/{id}/cancel', { ...withToken(token), params: { path: { id: orderId } } });
  expect(res.response.status, JSON.stringify(res.error)).toBe(200);
  expect(res.data!.status).toBe('cancelled');
}

const soldCountOf = async (productId: string): Promise<number | undefined> =>
  (await api.GET('/api/products/{id}', { params: { path: { id: productId } } })).data?.soldCount;

/** Waits until the product's soldCount is `expected` (the consumer follows the stream within moments). */
const expectSoldCount = (productId: string, expected: number, timeout = 5000) =>
  vi.waitFor(async () => expect(await soldCountOf(productId)).toBe(expected), { timeout, interval: 100 });

/** The ids of `ours`, in the order `GET /api/products?sort=popular` lists them. */
async function popularOrderOf(ours: string[]): Promise<string[]> {
  const res = await api.GET('/api/products', { params: { query: { sort: 'popular', limit: 100 } } });
  expect(res.response.status).toBe(200);
  return res.data!.items.map((p) => p.id).filter((id) => ours.includes(id));
}

const orderServiceMetrics = async (): Promise<string> => (await fetch(`${stack.url('order-service')}/metrics`)).text();
const outboxBacklog = async (): Promise<number> => sampleSum(await orderServiceMetrics(), 'shop_outbox_backlog');

describeWithRedis('order events through real processes and a real redis-server', () => {
  beforeAll(async () => {
    redis = await startRedisServer();
    stack = await startTestStack({
      env: { REDIS_URL: redis.url },
    });
    api = createApiClient(stack.url('api-gateway'));
    adminToken = (await api.POST('/api/auth/login', { body: E2E_ADMIN })).data!.token;
  });
  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await stack?.stop();
    await redis?.stop();
  });

  it('a shopper with the live feed open sees their own order confirmed within a second of the 201 and then cancelled, never another shopper’s; soldCount and sort=popular follow', async () => {
    const [alice, bob] = await Promise.all([registerShopper(), registerShopper()]);
    const [kettle, teapot, neverSold] = [await createProduct(), await createProduct(), await createProduct()];
    const [aliceFeed, bobFeed] = await Promise.all([openLive(alice), openLive(bob)]);
    expect(await aliceFeed.next(() => true)).toEqual({ type: 'feed.status', state: 'live' });
    expect(await bobFeed.next(() => true)).toEqual({ type: 'feed.status', state: 'live' });

    // Both order at the same moment.
    const [aliceOrder, bobOrder] = await Promise.all([placeOrder(alice, kettle, 3), placeOrder(bob, teapot, 1)]);
    const confirmed = await aliceFeed.next(isOrder(aliceOrder, 'confirmed'), aSecondAfterThe201(aliceOrder));
    expect(confirmed).toMatchObject({ event: 'order.confirmed', totalCents: 3000, eventId: expect.any(String) });
    await bobFeed.next(isOrder(bobOrder, 'confirmed'), aSecondAfterThe201(bobOrder));
    expect(aliceFeed.statusesOf(aliceOrder)).toEqual(['pending', 'confirmed']);
    expect(bobFeed.statusesOf(bobOrder)).toEqual(['pending', 'confirmed']);

    await expectSoldCount(kettle, 3);
    await expectSoldCount(teapot, 1);
    expect(await soldCountOf(neverSold)).toBe(0);
    expect(await popularOrderOf([kettle, teapot, neverSold])).toEqual([kettle, teapot, neverSold]);

    await cancelOrder(alice, aliceOrder);
    expect(await aliceFeed.next(isOrder(aliceOrder, 'cancelled'), 1000)).toMatchObject({ event: 'order.cancelled' });
    await expectSoldCount(kettle, 0);
    expect((await popularOrderOf([kettle, teapot, neverSold]))[0]).toBe(teapot);

    // One worker sends the stream's events in order: had Bob's reached Alice, it would be there by now.
    expect(orderIdsIn(aliceFeed)).toEqual(new Set([aliceOrder]));
    expect(orderIdsIn(bobFeed)).toEqual(new Set([bobOrder]));
    aliceFeed.close();
    bobFeed.close();
  });

  it('with Redis stopped, orders and cancels still answer, the feed says degraded and the outbox holds the events; once Redis is back everything arrives, in order per order', async () => {
    const shopper = await registerShopper();
    const kettle = await createProduct();
    const throughOutage = await openLive(shopper);
    await throughOutage.next(isFeed('live'));

    await redis.stop();
    await throughOutage.next(isFeed('degraded'), 5000);

    const kept = await placeOrder(shopper, kettle, 2);
    const cancelled = await placeOrder(shopper, kettle, 3);
    await cancelOrder(shopper, cancelled);
    // A socket opened now is accepted and told at once that the feed is degraded.
    const openedDuring = await openLive(shopper);
    expect(await openedDuring.next(() => true)).toEqual({
      type: 'feed.status',
      state: 'degraded',
      reason: 'events_unavailable',
    });
    // Two placed, two confirmed, one cancelled: written with the orders, waiting for Redis.
    expect(await outboxBacklog()).toBe(5);
    // The relay tried, and says why it could not.
    await vi.waitFor(
      async () =>
        expect(
          sampleSum(await orderServiceMetrics(), 'shop_event_publish_failures_total', { reason: 'unavailable' }),
        ).toBeGreaterThan(0),
      { timeout: 5000, interval: 100 },
    );
    expect(await soldCountOf(kettle)).toBe(0);

    redis = await startRedisServer(redis.port);
    await vi.waitFor(
      async () => {
        expect(await soldCountOf(kettle)).toBe(2);
        expect(await outboxBacklog()).toBe(0);
      },
      { timeout: 15_000, interval: 200 },
    );
    await throughOutage.next(isFeed('live'), 5000);
    await openedDuring.next(isFeed('live'), 5000);
    // The socket open through the outage gets what was published meanwhile, in order per order.
    await throughOutage.next(isOrder(cancelled, 'cancelled'), 5000);
    expect(throughOutage.statusesOf(kept)).toEqual(['pending', 'confirmed']);
    expect(throughOutage.statusesOf(cancelled)).toEqual(['pending', 'confirmed', 'cancelled']);

    const openedAfter = await openLive(shopper);
    expect(await openedAfter.next(() => true)).toEqual({ type: 'feed.status', state: 'live' });
    const later = await placeOrder(shopper, kettle, 1);
    await openedAfter.next(isOrder(later, 'confirmed'), aSecondAfterThe201(later));
    await expectSoldCount(kettle, 3);

    // On the stream itself, each order's events in the order they happened (first appearance of each id).
    const client = await connectRedis(redis.url, () => undefined);
    try {
      const entries = (await client.xRange(ORDER_EVENTS_STREAM, '-', '+')) ?? [];
      const typesByOrder = new Map<string, string[]>();
      const seen = new Set<string>();
      for (const { message } of entries) {
        const event = JSON.parse(message[EVENT_FIELD]!) as OrderEvent;
        if (seen.has(event.id)) continue;
        seen.add(event.id);
        typesByOrder.set(event.orderId, [...(typesByOrder.get(event.orderId) ?? []), event.type]);
      }
      expect(typesByOrder.get(kept)).toEqual(['order.placed', 'order.confirmed']);
      expect(typesByOrder.get(cancelled)).toEqual(['order.placed', 'order.confirmed', 'order.cancelled']);
      expect(typesByOrder.get(later)).toEqual(['order.placed', 'order.confirmed']);
    } finally {
      client.destroy();
    }
    for (const feed of [throughOutage, openedDuring, openedAfter]) feed.close();
  }, 45_000);
});

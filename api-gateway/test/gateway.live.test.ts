import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { signAccessToken } from '@shop/shared/core';
import {
  EVENT_FIELD,
  ORDER_EVENTS_STREAM,
  connectRedis,
  type OrderEvent,
  type RedisConnection,
} from '@shop/shared/events';
import {
  TEST_JWT_SECRET,
  bearer,
  describeWithRedis,
  newId,
  sampleSum,
  startRedisServer,
  stopService,
  testLogger,
  tokenFor,
  type LocalRedis,
} from '@shop/test-support';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LiveFeedSettings } from '../src/live-feed';
import { createGatewayMetrics } from '../src/metrics';
import { startLiveFeed } from '../src/order-event-reader';
import { startGatewayProcess, useGateways, useUpstreams, type TestGateway } from './harness';
import { variantsOf } from './support';

const LIVE = '/api/orders/live';
const gateway = useGateways();
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A message as the feed sends it (fields checked one by one). */
interface LiveMessage {
  type: string;
  [field: string]: unknown;
}

/** A connected socket: its messages in order, read one at a time with `next`. */
interface LiveClient {
  ws: WebSocket;
  messages: LiveMessage[];
  /** The first message from the read position on that matches, waited for up to `timeoutMs`; the position moves past it. */
  next(match: (message: LiveMessage) => boolean, timeoutMs?: number): Promise<LiveMessage>;
  /** The close code and reason, once closed. */
  closed: Promise<{ code: number; reason: string }>;
  /** The `Sec-WebSocket-Protocol` of the 101 answer. */
  protocol: string | undefined;
}

const wsUrl = (gw: TestGateway | string, path = LIVE) =>
  `${typeof gw === 'string' ? gw : gw.url}`.replace(/^http/, 'ws') + path;

function openLive(
  gw: TestGateway | string,
  options: { token?: string; via?: 'header' | 'protocol'; ws?: WebSocket.ClientOptions } = {},
): Promise<LiveClient> {
  const { token, via = 'header' } = options;
  const ws =
    via === 'protocol' && token !== undefined
      ? new WebSocket(wsUrl(gw), ['bearer', token], options.ws)
      : new WebSocket(wsUrl(gw), {
          ...options.ws,
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        });
  cleanups.push(async () => ws.terminate());
  const messages: LiveMessage[] = [];
  const waiters = new Set<() => void>();
  let position = 0;
  let protocol: string | undefined;
  ws.on('upgrade', (res) => {
    protocol = res.headers['sec-websocket-protocol'];
  });
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as LiveMessage);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
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
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, next, closed, protocol }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** An upgrade the gateway must refuse: its status, headers and problem body (it must not answer 101). */
function refusedUpgrade(
  gw: TestGateway,
  options: { headers?: Record<string, string>; protocols?: readonly string[] } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(gw), [...(options.protocols ?? [])], { headers: options.headers });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted (101)'));
    });
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>,
        }),
      );
    });
    ws.once('error', (error) => reject(error));
  });
}

const isStatus = (state: string) => (message: LiveMessage) => message.type === 'feed.status' && message.state === state;
const isOrder = (orderId: string) => (message: LiveMessage) =>
  message.type === 'order.status' && message.orderId === orderId;

async function openLiveFeed(gw: TestGateway | string, token: string, via?: 'header' | 'protocol') {
  const client = await openLive(gw, { token, via });
  await client.next(isStatus('live'));
  return client;
}

/** A valid order event (orderEventSchema), written straight onto the stream as order-service's relay would. */
function orderEvent(userId: string, overrides: Partial<OrderEvent> = {}): OrderEvent {
  return {
    id: randomUUID(),
    type: 'order.confirmed',
    version: 1,
    time: new Date().toISOString(),
    orderId: newId(),
    userId,
    status: 'confirmed',
    lines: [{ productId: newId(), quantity: 2, unitPriceCents: 1250 }],
    totalCents: 2500,
    ...overrides,
  };
}

async function publish(redis: RedisConnection, ...events: (OrderEvent | string)[]): Promise<void> {
  await Promise.all(
    events.map((event) =>
      redis.sendCommand([
        'XADD',
        ORDER_EVENTS_STREAM,
        '*',
        EVENT_FIELD,
        typeof event === 'string' ? event : JSON.stringify(event),
      ]),
    ),
  );
}

const settings = (overrides: Partial<LiveFeedSettings> = {}): LiveFeedSettings => ({
  maxConnections: 1000,
  maxConnectionsPerUser: 5,
  pingIntervalMs: 30_000,
  maxBufferedBytes: 256 * 1024,
  ...overrides,
});

/** An in-process gateway with its live feed on `redis`, as main.ts composes it. */
async function liveGateway(redis: LocalRedis, overrides: Partial<LiveFeedSettings> = {}) {
  const metrics = createGatewayMetrics(testLogger);
  const liveFeed = await startLiveFeed({
    redisUrl: redis.url,
    settings: settings(overrides),
    metrics,
    logger: testLogger,
  });
  return gateway({ metrics, liveFeed });
}

async function metricsOf(gw: TestGateway): Promise<string> {
  return (await request(gw.url).get('/metrics')).text;
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function redisWithClient(): Promise<{ redis: LocalRedis; client: RedisConnection }> {
  const redis = await startRedisServer();
  const client = await connectRedis(redis.url, () => undefined);
  cleanups.push(async () => {
    client.destroy();
    await redis.stop();
  });
  return { redis, client };
}

describe('GET /api/orders/live without Redis or without an upgrade', () => {
  it('without a live feed (no REDIS_URL) the upgrade is refused with 503 LIVE.UNAVAILABLE, never a 101', async () => {
    const gw = await gateway();
    const res = await refusedUpgrade(gw, { headers: bearer('user') });
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 503, code: 'LIVE.UNAVAILABLE' });
    expect(res.headers.connection).toBe('close');
  });
});

describeWithRedis('the live order feed (GET /api/orders/live)', () => {
  it('a shopper receives their own orders’ status changes within a second, and never another user’s (admins included)', async () => {
    const { redis, client } = await redisWithClient();
    const gw = await liveGateway(redis);
    const [alice, bob, admin] = [newId(), newId(), newId()];
    const aliceFeed = await openLiveFeed(gw, tokenFor('user', alice));
    const bobFeed = await openLiveFeed(gw, tokenFor('user', bob));
    const adminFeed = await openLiveFeed(gw, tokenFor('admin', admin));

    const placed = orderEvent(alice, { type: 'order.placed', status: 'pending', totalCents: 4200 });
    await publish(client, placed);
    // The promise of the feature: within a second of the XADD (in practice a few milliseconds).
    const received = await aliceFeed.next(isOrder(placed.orderId), 1000);

    expect(received).toEqual({
      type: 'order.status',
      eventId: placed.id,
      orderId: placed.orderId,
      status: 'pending',
      event: 'order.placed',
      time: placed.time,
      totalCents: 4200,
    });
    // Bob's event, then one more of each user's: once those arrive, the earlier ones were seen.
    const bobs = orderEvent(bob, { type: 'order.cancelled', status: 'cancelled' });
    const [aliceLast, bobLast, adminLast] = [orderEvent(alice), orderEvent(bob), orderEvent(admin)];
    await publish(client, bobs);
    await publish(client, aliceLast, bobLast, adminLast);
    await aliceFeed.next(isOrder(aliceLast.orderId));
    await bobFeed.next(isOrder(bobLast.orderId));
    await adminFeed.next(isOrder(adminLast.orderId));
    const orderIds = (feed: typeof aliceFeed) =>
      feed.messages.filter((message) => message.type === 'order.status').map((message) => message.orderId);
    expect(orderIds(aliceFeed)).toEqual([placed.orderId, aliceLast.orderId]);
    expect(orderIds(bobFeed)).toEqual([bobs.orderId, bobLast.orderId]);
    expect(orderIds(adminFeed)).toEqual([adminLast.orderId]);
    const text = await metricsOf(gw);
    expect(sampleSum(text, 'gateway_live_connections')).toBe(3);
    expect(sampleSum(text, 'gateway_live_messages_total', { type: 'order.status' })).toBe(5);
    // Each accepted upgrade is a request like any other in the HTTP metrics: status 101.
    expect(sampleSum(text, 'http_requests_total', { route: LIVE, status_code: '101' })).toBe(3);
  });

  it('an invalid entry on the stream is skipped and the feed goes on', async () => {
    const { redis, client } = await redisWithClient();
    const gw = await liveGateway(redis);
    const alice = newId();
    const feed = await openLiveFeed(gw, tokenFor('user', alice));
    const valid = orderEvent(alice);
    await publish(client, 'not json', JSON.stringify({ ...orderEvent(alice), status: 'shipped' }), valid);
    await feed.next(isOrder(valid.orderId));
    expect(feed.messages.filter((message) => message.type === 'order.status')).toHaveLength(1);
  });

  it('a browser sends the token as `Sec-WebSocket-Protocol: bearer, <token>`: the 101 names `bearer`, never the token', async () => {
    const { redis, client } = await redisWithClient();
    const gw = await liveGateway(redis);
    const alice = newId();
    const token = tokenFor('user', alice);
    const feed = await openLiveFeed(gw, token, 'protocol');
    expect(feed.protocol).toBe('bearer');
    expect(feed.ws.protocol).toBe('bearer');
    const event = orderEvent(alice);
    await publish(client, event);
    await feed.next(isOrder(event.orderId));
    // The token offered first is not echoed either.
    const reversed = await new Promise<string | undefined>((resolve, reject) => {
      const ws = new WebSocket(wsUrl(gw), [token, 'bearer']);
      ws.once('upgrade', (res) => resolve(res.headers['sec-websocket-protocol']));
      ws.once('error', reject);
      cleanups.push(async () => ws.terminate());
    });
    expect(reversed).toBe('bearer');
  });

  it.each([
    ['no token', {}, 'AUTH.UNAUTHORIZED'],
    [
      'a forged token',
      { headers: { authorization: `Bearer ${tokenFor('user').slice(0, -4)}AAAA` } },
      'AUTH.TOKEN_INVALID',
    ],
    [
      'an expired token',
      {
        headers: {
          authorization: `Bearer ${signAccessToken({ id: newId(), role: 'user' }, TEST_JWT_SECRET, -60).token}`,
        },
      },
      'AUTH.TOKEN_EXPIRED',
    ],
    [
      'a forged token as subprotocol',
      { protocols: ['bearer', `${tokenFor('user').slice(0, -4)}AAAA`] },
      'AUTH.TOKEN_INVALID',
    ],
    ['a malformed Authorization header', { headers: { authorization: 'Basic abc' } }, 'AUTH.UNAUTHORIZED'],
  ] as const)('with %s the upgrade is answered 401 problem+json, never 101', async (_label, options, code) => {
    const { redis } = await redisWithClient();
    const gw = await liveGateway(redis);
    const res = await refusedUpgrade(gw, options);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, code });
    expect(sampleSum(await metricsOf(gw), 'gateway_rejections_total', { reason: 'auth' })).toBe(1);
  });

  it('a service token is refused with 403: the feed is for shoppers and admins', async () => {
    const { redis } = await redisWithClient();
    const gw = await liveGateway(redis);
    const res = await refusedUpgrade(gw, { headers: bearer('service') });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'AUTH.FORBIDDEN' });
  });

  it('when the access token expires the socket is closed with 4001', async () => {
    const { redis } = await redisWithClient();
    const gw = await liveGateway(redis);
    const token = signAccessToken({ id: newId(), role: 'user' }, TEST_JWT_SECRET, 2).token;
    const feed = await openLive(gw, { token });
    expect(await feed.closed).toEqual({ code: 4001, reason: 'token expired' });
    const text = await metricsOf(gw);
    expect(sampleSum(text, 'gateway_live_dropped_total', { reason: 'token_expired' })).toBe(1);
    expect(sampleSum(text, 'gateway_live_connections')).toBe(0);
  });

  it('a plain GET (no upgrade) is answered 426 with `Upgrade: websocket`; an upgrade of another route is refused and not proxied', async () => {
    const { redis } = await redisWithClient();
    const gw = await liveGateway(redis);
    const plain = await request(gw.url).get(LIVE).set(bearer('user'));
    expect(plain.status).toBe(426);
    expect(plain.body).toMatchObject({ status: 426, code: 'LIVE.UPGRADE_REQUIRED' });
    expect(plain.headers.upgrade).toBe('websocket');
    expect((await request(gw.url).get(LIVE)).status).toBe(401);

    const other = await rawUpgrade(gw.url, '/api/products', bearer('user'));
    expect(other.status).toBe(400);
    expect(other.body).toMatchObject({ code: 'REQUEST.INVALID' });
    // An h2c upgrade is not ours to take: it stays an ordinary request, proxied as before.
    const h2c = await request(gw.url)
      .get('/api/products')
      .set({ connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c' });
    expect(h2c.status).toBe(200);
    expect(gw.upstreams['product-service'].requests.filter((r) => r.url === '/products')).toHaveLength(1);
  });

  it.each(variantsOf(LIVE))(
    'the %s variant (%s) of the live path gets no 101: refused as such',
    async (_label, variant) => {
      const { redis } = await redisWithClient();
      const gw = await liveGateway(redis);
      const res = await rawUpgrade(gw.url, variant, bearer('user'));
      expect([400, 404]).toContain(res.status);
      expect(res.closesConnection).toBe(true);
      expect(gw.upstreams['order-service'].requests).toHaveLength(0);
      expect((await rawUpgrade(gw.url, `${LIVE}?x=1`, bearer('user'))).status).toBe(101);
    },
  );

  it('beyond LIVE_MAX_CONNECTIONS_PER_USER a user’s upgrade gets 429; other users still connect; in all, 503', async () => {
    const { redis } = await redisWithClient();
    const gw = await liveGateway(redis, { maxConnectionsPerUser: 2, maxConnections: 3 });
    const alice = tokenFor('user', newId());
    const first = await openLiveFeed(gw, alice);
    await openLiveFeed(gw, alice);
    const third = await refusedUpgrade(gw, { headers: { authorization: `Bearer ${alice}` } });
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ code: 'LIVE.TOO_MANY_CONNECTIONS' });

    await openLiveFeed(gw, tokenFor('user', newId()));
    const full = await refusedUpgrade(gw, { headers: bearer('user') });
    expect(full.status).toBe(503);
    expect(full.body).toMatchObject({ code: 'CONNECTION.LIMIT' });
    expect(full.headers['retry-after']).toBeDefined();

    first.ws.close();
    await first.closed;
    await until(async () => sampleSum(await metricsOf(gw), 'gateway_live_connections') === 2);
    await openLiveFeed(gw, alice);
    const text = await metricsOf(gw);
    expect(sampleSum(text, 'gateway_rejections_total', { reason: 'live_connections_user' })).toBe(1);
    expect(sampleSum(text, 'gateway_rejections_total', { reason: 'live_connections_total' })).toBe(1);
  });

  it('a client that stops reading is dropped (1013), not buffered without limit; a reading one gets every event', async () => {
    const { redis, client } = await redisWithClient();
    const gw = await liveGateway(redis, { maxBufferedBytes: 64 * 1024 });
    const alice = newId();
    const token = tokenFor('user', alice);
    const reader = await openLiveFeed(gw, token);
    const stalled = await rawUpgrade(gw.url, LIVE, { authorization: `Bearer ${token}` }, { keepOpen: true });
    expect(stalled.status).toBe(101);
    stalled.socket!.pause(); // reads nothing more: the kernel's buffers fill, then the gateway's

    let sent = 0;
    for (let round = 0; round < 40; round++) {
      const events = Array.from({ length: 2000 }, () => orderEvent(alice));
      await publish(client, ...events);
      sent += events.length;
      await reader.next(isOrder(events.at(-1)!.orderId), 10_000);
      if (sampleSum(await metricsOf(gw), 'gateway_live_dropped_total', { reason: 'slow_client' }) > 0) break;
    }
    const text = await metricsOf(gw);
    expect(sampleSum(text, 'gateway_live_dropped_total', { reason: 'slow_client' })).toBe(1);
    await until(async () => sampleSum(await metricsOf(gw), 'gateway_live_connections') === 1);
    expect(reader.messages.filter((message) => message.type === 'order.status')).toHaveLength(sent);
    expect(reader.ws.readyState).toBe(WebSocket.OPEN);
    // What the stalled client finds when it reads again: what was in flight before it was dropped, then the end.
    const received = await drain(stalled.socket!);
    const everything = reader.messages.reduce((bytes, message) => bytes + JSON.stringify(message).length, 0);
    expect(received.length).toBeLessThan(everything);
  });

  it('a client that does not answer pings is cut; one that answers stays', async () => {
    const { redis } = await redisWithClient();
    const gw = await liveGateway(redis, { pingIntervalMs: 100 });
    const silent = await openLive(gw, { token: tokenFor('user', newId()), ws: { autoPong: false } });
    const healthy = await openLiveFeed(gw, tokenFor('user', newId()));
    const { code } = await silent.closed;
    expect(code).toBe(1006); // cut, no close frame
    await new Promise((resolve) => setTimeout(resolve, 500)); // several more pings
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN);
    const text = await metricsOf(gw);
    expect(sampleSum(text, 'gateway_live_dropped_total', { reason: 'heartbeat' })).toBe(1);
    expect(sampleSum(text, 'gateway_live_connections')).toBe(1);
  });

  it('a client that sends a large frame is closed with 1009', async () => {
    const { redis } = await redisWithClient();
    const gw = await liveGateway(redis);
    const feed = await openLiveFeed(gw, tokenFor('user', newId()));
    feed.ws.send('x'.repeat(2048));
    expect((await feed.closed).code).toBe(1009);
  });

  it('a client that sends data, or pongs nobody asked for, is closed with 1008: the feed takes no messages', async () => {
    const { redis } = await redisWithClient();
    const gw = await liveGateway(redis);
    const talker = await openLiveFeed(gw, tokenFor('user', newId()));
    const ponger = await openLiveFeed(gw, tokenFor('user', newId()));
    const quiet = await openLiveFeed(gw, tokenFor('user', newId()));

    talker.ws.send('hello');
    for (let i = 0; i < 20; i++) ponger.ws.pong();

    expect((await talker.closed).code).toBe(1008);
    expect((await ponger.closed).code).toBe(1008);
    expect(quiet.ws.readyState).toBe(WebSocket.OPEN);
    expect(sampleSum(await metricsOf(gw), 'gateway_live_dropped_total', { reason: 'client_spoke' })).toBe(2);
  });

  it('with Redis down the feed says it is degraded (to open and new sockets) and goes live again when it is back', async () => {
    const { redis, client } = await redisWithClient();
    const gw = await liveGateway(redis);
    const alice = newId();
    const token = tokenFor('user', alice);
    const before = await openLiveFeed(gw, token);

    await redis.stop();
    expect(await before.next(isStatus('degraded'))).toEqual({
      type: 'feed.status',
      state: 'degraded',
      reason: 'events_unavailable',
    });
    const during = await openLive(gw, { token });
    expect(await during.next(() => true)).toMatchObject({ type: 'feed.status', state: 'degraded' });

    const again = await startRedisServer(redis.port);
    cleanups.push(() => again.stop());
    await before.next(isStatus('live'), 10_000);
    await during.next(isStatus('live'), 10_000);
    await until(() => client.isReady, 10_000);
    const event = orderEvent(alice);
    await publish(client, event);
    await before.next(isOrder(event.orderId));
    await during.next(isOrder(event.orderId));
  });

  it('a Redis that stops answering without closing the connection is noticed: degraded, then live again', async () => {
    const { redis, client } = await redisWithClient();
    const gw = await liveGateway(redis);
    const alice = newId();
    const feed = await openLiveFeed(gw, tokenFor('user', alice));
    // Every client's commands wait unanswered for 9 s, as behind a lost network path.
    await client.sendCommand(['CLIENT', 'PAUSE', '9000', 'ALL']);
    await feed.next(isStatus('degraded'), 9000);
    await feed.next(isStatus('live'), 10_000);
    const event = orderEvent(alice);
    await publish(client, event);
    await feed.next(isOrder(event.orderId));
  }, 30_000);

  it('two gateways on the same Redis each deliver the event to their own sockets', async () => {
    const { redis, client } = await redisWithClient();
    const [one, two] = [await liveGateway(redis), await liveGateway(redis)];
    const alice = newId();
    const feeds = [await openLiveFeed(one, tokenFor('user', alice)), await openLiveFeed(two, tokenFor('user', alice))];
    const event = orderEvent(alice);
    await publish(client, event);
    for (const feed of feeds) await feed.next(isOrder(event.orderId), 1000);
  });
});

describeWithRedis('the live feed of a real gateway process', () => {
  const upstreams = useUpstreams();

  it('on SIGTERM every socket is closed with 1001 and the process exits 0', async () => {
    const { redis, client } = await redisWithClient();
    const gateway = await startGatewayProcess(upstreams, { REDIS_URL: redis.url, GATEWAY_WORKERS: '2' });
    cleanups.push(() => stopService(gateway));
    const base = `http://127.0.0.1:${gateway.port}`;
    const alice = newId();
    // Two workers, each reading the stream: every socket gets the event, whichever worker holds it.
    const feeds = await Promise.all(Array.from({ length: 4 }, () => openLiveFeed(base, tokenFor('user', alice))));
    const event = orderEvent(alice);
    await publish(client, event);
    for (const feed of feeds) await feed.next(isOrder(event.orderId));

    const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', resolve));
    gateway.child.kill('SIGTERM');
    for (const feed of feeds) expect((await feed.closed).code).toBe(1001);
    expect(await exited).toBe(0);
  });

  it('open sockets count against MAX_CONNECTIONS_PER_CLIENT: beyond it an upgrade gets the 503 of the connection cap', async () => {
    const { redis } = await redisWithClient();
    const gateway = await startGatewayProcess(upstreams, { REDIS_URL: redis.url, MAX_CONNECTIONS_PER_CLIENT: '2' });
    cleanups.push(() => stopService(gateway));
    const base = `http://127.0.0.1:${gateway.port}`;
    const first = await openLiveFeed(base, tokenFor('user', newId()));
    await openLiveFeed(base, tokenFor('user', newId()));

    const refused = await rawUpgrade(base, LIVE, bearer('user'));
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'CONNECTION.LIMIT' });

    first.ws.close();
    await first.closed;
    await until(async () => (await rawUpgrade(base, LIVE, bearer('user'))).status === 101);
  });
});

/** The rest of what a paused socket was sent, read once it resumes, until the gateway closes it. */
function drain(socket: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('close', () => resolve(Buffer.concat(chunks)));
    socket.resume();
  });
}

/**
 * An upgrade request sent byte for byte (no URL parsing on our side, which would normalise the
 * path): the status, the problem body when refused and whether the gateway closes the
 * connection after it, and with `keepOpen` the socket of an accepted one.
 */
function rawUpgrade(
  url: string,
  path: string,
  headers: Record<string, string>,
  options: { keepOpen?: boolean } = {},
): Promise<{ status: number; body?: unknown; closesConnection?: boolean; socket?: Socket }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      hostname,
      port,
      path,
      agent: false,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-version': '13',
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      if (!options.keepOpen) socket.destroy();
      else cleanups.push(async () => socket.destroy());
      resolve({ status: res.statusCode ?? 0, socket });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({
          status: res.statusCode ?? 0,
          body: text === '' ? undefined : JSON.parse(text),
          closesConnection: res.headers.connection === 'close',
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

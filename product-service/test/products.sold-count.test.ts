import { randomBytes, randomUUID } from 'node:crypto';
import { connectRedis, type EventConsumer, type OrderEvent, type RedisConnection } from '@shop/shared/events';
import { createConsumerMetrics } from '@shop/shared/http';
import {
  describeWithRedis,
  newId,
  sampleSum,
  startRedisServer,
  testLogger,
  unique,
  type LocalRedis,
} from '@shop/test-support';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { consumeOrderEvents, ORDER_EVENTS_GROUP } from '../src/order-events';
import { startTestApi, type ProductBody, type TestApi } from './api-client';

type Line = [productId: string, quantity: number];

const STATUS = {
  'order.placed': 'pending',
  'order.confirmed': 'confirmed',
  'order.cancelled': 'cancelled',
  'order.expired': 'expired',
} as const;

/** An event of `type` for the order, as order-service writes it on the stream. */
function orderEvent(type: OrderEvent['type'], orderId: string, lines: Line[]): OrderEvent {
  return {
    id: randomUUID(),
    type,
    version: 1,
    time: new Date().toISOString(),
    orderId,
    userId: newId(),
    status: STATUS[type],
    lines: lines.map(([productId, quantity]) => ({ productId, quantity, unitPriceCents: 1999 })),
    totalCents: lines.reduce((sum, [, quantity]) => sum + quantity * 1999, 0),
  };
}

interface PageBody {
  items: ProductBody[];
  total: number;
}

describeWithRedis('soldCount, kept from the order event stream, and GET /products?sort=popular', () => {
  let api: TestApi;
  let redis: LocalRedis;
  let client: RedisConnection;
  const consumers: EventConsumer[] = [];

  beforeAll(async () => {
    [api, redis] = await Promise.all([startTestApi(), startRedisServer()]);
    client = await connectRedis(redis.url, () => undefined);
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
  });
  afterAll(async () => {
    client.destroy();
    await Promise.all([redis.stop(), api.close()]);
  });

  const newStream = () => `test:order-events:${randomBytes(4).toString('hex')}`;

  /** product-service's consumer, as main.ts starts it, on a stream of the test's own. */
  function consume(stream: string, { group = ORDER_EVENTS_GROUP, registry = new Registry() } = {}) {
    const consumer = consumeOrderEvents(
      { url: redis.url, products: api.products, sales: api.sales, logger: testLogger },
      {
        stream,
        deadLetterStream: `${stream}:dead`,
        group,
        consumer: unique('consumer'),
        metrics: createConsumerMetrics(registry, testLogger),
        claimIdleMs: 200,
        blockMs: 100,
      },
    );
    consumers.push(consumer);
    return consumer;
  }

  const publish = async (stream: string, ...events: OrderEvent[]) => {
    for (const event of events) await client.xAdd(stream, '*', { event: JSON.stringify(event) });
  };

  /** Waits until each group has been handed every entry of the stream and acknowledged it. */
  async function settled(stream: string, groups: string[] = [ORDER_EVENTS_GROUP]) {
    await expect
      .poll(
        async () => {
          const infos = await client.xInfoGroups(stream);
          return groups.map((group) => {
            const info = infos.find((candidate) => String(candidate.name) === group);
            return info === undefined ? 'missing' : { lag: info.lag, pending: info.pending };
          });
        },
        { timeout: 15_000 },
      )
      .toEqual(groups.map(() => ({ lag: 0, pending: 0 })));
    expect(await client.xLen(`${stream}:dead`)).toBe(0);
  }

  const soldCount = async (product: ProductBody) => (await api.getProduct(product.id)).soldCount;
  const soldCounts = (products: ProductBody[]) => Promise.all(products.map(soldCount));

  it("an order.confirmed adds each line's quantity to its product's soldCount, which the product shows", async () => {
    const stream = newStream();
    const [a, b] = [await api.createProduct(), await api.createProduct()];
    consume(stream);

    await publish(
      stream,
      orderEvent('order.confirmed', newId(), [
        [a.id, 2],
        [b.id, 3],
        [a.id, 1],
      ]),
    );

    await expect.poll(() => soldCounts([a, b])).toEqual([3, 3]);
  });

  it("an order.cancelled takes back the units its order's confirm added; other orders' units stay", async () => {
    const stream = newStream();
    const product = await api.createProduct();
    const [cancelled, kept] = [newId(), newId()];
    consume(stream);

    await publish(
      stream,
      orderEvent('order.confirmed', cancelled, [[product.id, 2]]),
      orderEvent('order.confirmed', kept, [[product.id, 5]]),
      orderEvent('order.cancelled', cancelled, [[product.id, 2]]),
    );
    await settled(stream);

    expect(await soldCount(product)).toBe(5);
  });

  it('a cancel whose confirm was never seen takes nothing away, and that confirm arriving later adds nothing', async () => {
    const stream = newStream();
    const product = await api.createProduct();
    const order = newId();
    consume(stream);
    await publish(stream, orderEvent('order.confirmed', newId(), [[product.id, 1]]));

    await publish(stream, orderEvent('order.cancelled', order, [[product.id, 4]]));
    await settled(stream);
    expect(await soldCount(product)).toBe(1);

    await publish(stream, orderEvent('order.confirmed', order, [[product.id, 4]]));
    await settled(stream);
    expect(await soldCount(product)).toBe(1);
  });

  it('the same event delivered twice, or one order confirmed under two event ids, is counted once', async () => {
    const stream = newStream();
    const product = await api.createProduct();
    const order = newId();
    const confirmed = orderEvent('order.confirmed', order, [[product.id, 2]]);
    const registry = new Registry();
    consume(stream, { registry });

    await publish(stream, confirmed, confirmed, { ...confirmed, id: randomUUID() });
    await settled(stream);

    expect(await soldCount(product)).toBe(2);
    const outcomes = await registry.metrics();
    const consumed = { group: ORDER_EVENTS_GROUP, type: 'order.confirmed' };
    expect(sampleSum(outcomes, 'shop_events_consumed_total', { ...consumed, outcome: 'applied' })).toBe(1);
    expect(sampleSum(outcomes, 'shop_events_consumed_total', { ...consumed, outcome: 'duplicate' })).toBe(2);
  });

  it('order.placed and order.expired are acknowledged and change no soldCount', async () => {
    const stream = newStream();
    const product = await api.createProduct();
    const order = newId();
    consume(stream);

    await publish(
      stream,
      orderEvent('order.placed', order, [[product.id, 4]]),
      orderEvent('order.expired', order, [[product.id, 4]]),
    );
    await settled(stream);

    expect(await soldCount(product)).toBe(0);
  });

  it('replaying the whole stream from its start into a fresh group changes no soldCount', async () => {
    const stream = newStream();
    const [a, b] = [await api.createProduct(), await api.createProduct()];
    const [first, second, third] = [newId(), newId(), newId()];
    const repeated = orderEvent('order.confirmed', second, [[b.id, 4]]);
    consume(stream);
    await publish(
      stream,
      orderEvent('order.confirmed', first, [
        [a.id, 2],
        [b.id, 1],
      ]),
      repeated,
      repeated,
      orderEvent('order.cancelled', third, [[a.id, 7]]),
      orderEvent('order.confirmed', third, [[a.id, 7]]),
      orderEvent('order.cancelled', first, [
        [a.id, 2],
        [b.id, 1],
      ]),
      orderEvent('order.confirmed', newId(), [[a.id, 3]]),
    );
    await settled(stream);
    expect(await soldCounts([a, b])).toEqual([3, 4]);

    consume(stream, { group: 'product-service-replay' });
    await settled(stream, [ORDER_EVENTS_GROUP, 'product-service-replay']);

    expect(await soldCounts([a, b])).toEqual([3, 4]);
  });

  it('two consumers of the group, and a second group replaying at the same time, count each event once', async () => {
    const stream = newStream();
    const products = [await api.createProduct(), await api.createProduct()];
    const expected = [0, 0];
    const events: OrderEvent[] = [];
    for (let order = 0; order < 30; order++) {
      const orderId = newId();
      const index = order % 2;
      const quantity = 1 + (order % 4);
      const lines: Line[] = [[products[index]!.id, quantity]];
      events.push(orderEvent('order.confirmed', orderId, lines));
      if (order % 3 === 0) events.push(orderEvent('order.cancelled', orderId, lines));
      else expected[index]! += quantity;
    }
    consume(stream);
    consume(stream);
    consume(stream, { group: 'product-service-second' });

    await publish(stream, ...events);
    await settled(stream, [ORDER_EVENTS_GROUP, 'product-service-second']);

    expect(await soldCounts(products)).toEqual(expected);
  });

  it('GET /products?sort=popular lists the most sold first, ties newest first, with the filters and pagination', async () => {
    const stream = newStream();
    const category = unique('popular');
    // Created one by one: each is newer than the one before.
    const [p1, p2, p3, p4] = [
      await api.createProduct({ category }),
      await api.createProduct({ category }),
      await api.createProduct({ category }),
      await api.createProduct({ category }),
    ];
    const elsewhere = await api.createProduct({ category: unique('other') });
    consume(stream);
    await publish(
      stream,
      orderEvent('order.confirmed', newId(), [
        [p2!.id, 5],
        [p1!.id, 3],
        [elsewhere.id, 50],
      ]),
      orderEvent('order.confirmed', newId(), [[p4!.id, 3]]),
    );
    await settled(stream);

    const list = async (query: Record<string, string | number>) => {
      const response = await api.http.get('/products').query({ category, sort: 'popular', ...query });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body as PageBody;
    };
    const all = await list({});
    const secondPage = await list({ limit: 2, page: 2 });

    expect(all.items.map((item) => [item.id, item.soldCount])).toEqual([
      [p2!.id, 5],
      [p4!.id, 3],
      [p1!.id, 3],
      [p3!.id, 0],
    ]);
    expect(all.total).toBe(4);
    expect(secondPage.items.map((item) => item.id)).toEqual([p1!.id, p3!.id]);
  });
});

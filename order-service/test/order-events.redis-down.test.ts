import { connectRedis, type RedisConnection } from '@shop/shared/events';
import { bearer, describeWithRedis, sampleSum, startRedisServer, type LocalRedis } from '@shop/test-support';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { captureLogs } from './captured-logs';
import { publishedEventsOf, streamEvents, waitFor } from './event-stream';
import { createHarness, type Harness } from './harness';

// Redis being down is not an outage: orders are placed and cancelled as usual, their events wait
// in the outbox, and they are all delivered, in order per order, once Redis is back.

const { logger, lines: logLines } = captureLogs();
let redis: LocalRedis;
let reader: RedisConnection | undefined;
let h: Harness;

describeWithRedis('order events while Redis is down', () => {
  beforeAll(async () => {
    redis = await startRedisServer();
    h = await createHarness();
    await h.startRelay(redis.url, { intervalMs: 50, maxBackoffMs: 400, logger });
  });
  afterAll(async () => {
    await h?.close();
    reader?.destroy();
    await redis?.stop();
  });

  const metrics = async () => (await request(h.app).get('/metrics')).text;
  const relayOutageWarnings = () =>
    logLines.filter((line) => String(line.msg).startsWith('relaying order events failed'));

  it('orders are placed and cancelled, events wait (backlog shown), and all arrive in order once Redis is back', async () => {
    const userId = h.addUser();
    const productId = h.addProduct(100, 700);
    const before = await metrics();

    await redis.stop();
    const placed = [];
    for (let i = 0; i < 3; i++) {
      const res = await request(h.app)
        .post('/orders')
        .set(bearer('user', userId))
        .send({ items: [{ productId, quantity: 1 }] });
      expect(res.status).toBe(201);
      placed.push(res.body.id as string);
    }
    const cancel = await request(h.app).post(`/orders/${placed[0]}/cancel`).set(bearer('user', userId));
    expect(cancel.status).toBe(200);

    // Several attempts fail meanwhile (rounds every 50 ms, backing off to 400 ms).
    const during = await waitFor(
      metrics,
      (text) =>
        sampleSum(text, 'shop_event_publish_failures_total', { reason: 'unavailable' }) -
          sampleSum(before, 'shop_event_publish_failures_total', { reason: 'unavailable' }) >=
        3,
    );
    expect(sampleSum(during, 'shop_outbox_backlog')).toBeGreaterThanOrEqual(7);
    expect(sampleSum(during, 'shop_outbox_oldest_pending_age_seconds')).toBeGreaterThan(0);
    expect(relayOutageWarnings()).toHaveLength(1); // once per outage, not per attempt or per order

    redis = await startRedisServer(redis.port);
    reader = await connectRedis(redis.url, () => undefined);

    const expected = [
      ['order.placed', 'order.confirmed', 'order.cancelled'],
      ['order.placed', 'order.confirmed'],
      ['order.placed', 'order.confirmed'],
    ];
    for (const [i, orderId] of placed.entries()) {
      const events = await publishedEventsOf(h, reader, orderId);
      expect(events.map((event) => event.type)).toEqual(expected[i]);
    }
    expect(
      sampleSum(await waitFor(metrics, (text) => sampleSum(text, 'shop_outbox_backlog') === 0), 'shop_outbox_backlog'),
    ).toBe(0);
    expect((await streamEvents(reader)).length).toBe(7);
    expect(relayOutageWarnings()).toHaveLength(1);
  });
});

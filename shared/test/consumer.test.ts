import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@shop/shared/core';
import {
  connectRedis,
  startConsumer,
  type ConsumeOutcome,
  type ConsumerOptions,
  type Delivery,
  type EventConsumer,
  type OrderEvent,
  type RedisConnection,
} from '@shop/shared/events';
import { createConsumerMetrics } from '@shop/shared/http';
import {
  describeWithRedis,
  freePort,
  gate,
  type LocalRedis,
  newId,
  sampleSum,
  startRedisServer,
} from '@shop/test-support';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const WARN = 40;

function orderEvent(overrides: Partial<OrderEvent> = {}): OrderEvent {
  return {
    id: randomUUID(),
    type: 'order.confirmed',
    version: 1,
    time: new Date().toISOString(),
    orderId: newId(),
    userId: newId(),
    status: 'confirmed',
    lines: [{ productId: newId(), quantity: 2, unitPriceCents: 500 }],
    totalCents: 1000,
    ...overrides,
  };
}

/** A gate a handler can wait at until the test opens it. */
describeWithRedis('the consumer-group runner (startConsumer)', () => {
  let redis: LocalRedis;
  let client: RedisConnection;
  const consumers: EventConsumer[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    client = await connectRedis(redis.url, () => undefined);
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
  });
  afterAll(async () => {
    client.destroy();
    await redis.stop();
  });

  /** A consumer on streams and a group of its own, with fast retries, a registry and captured logs. */
  function start(
    handle: (event: OrderEvent, delivery: Delivery) => Promise<ConsumeOutcome>,
    options: Partial<ConsumerOptions> & { stream?: string; group?: string } = {},
  ) {
    const suffix = randomBytes(4).toString('hex');
    const stream = options.stream ?? `test:events:${suffix}`;
    const deadLetterStream = `${stream}:dead`;
    const group = options.group ?? `group-${suffix}`;
    const registry = new Registry();
    const logs: LogLine[] = [];
    const logger = createLogger('test', 'debug', { write: (line: string) => logs.push(JSON.parse(line) as LogLine) });
    const consumer = startConsumer({
      url: redis.url,
      stream,
      deadLetterStream,
      group,
      consumer: `consumer-${suffix}`,
      handle,
      logger,
      metrics: createConsumerMetrics(registry, logger),
      claimIdleMs: 200,
      blockMs: 100,
      ...options,
    });
    consumers.push(consumer);
    const metric = async (name: string, labels: Record<string, string> = {}) =>
      sampleSum(await registry.metrics(), name, { group, ...labels });
    const pending = async () => (await client.xPending(stream, group)).pending;
    const deadLetters = async () =>
      ((await client.xRange(deadLetterStream, '-', '+')) ?? []).map((entry) => entry.message);
    return { stream, deadLetterStream, group, consumer, logs, metric, pending, deadLetters };
  }

  const publish = (stream: string, event: OrderEvent | string) =>
    client.xAdd(stream, '*', { event: typeof event === 'string' ? event : JSON.stringify(event) });

  it('hands each event to the handler once and acknowledges it: nothing stays pending or comes back', async () => {
    const handled: OrderEvent[] = [];
    const { stream, metric, pending } = start(async (event) => {
      handled.push(event);
      return 'applied';
    });
    const first = orderEvent();
    const second = orderEvent({ type: 'order.cancelled', status: 'cancelled' });

    await publish(stream, first);
    await publish(stream, second);

    await expect.poll(() => handled.length).toBe(2);
    await expect.poll(pending).toBe(0);
    // Several claim rounds later, nothing was handed out again.
    await sleep(600);
    expect(handled).toEqual([first, second]);
    expect(await metric('shop_events_consumed_total', { outcome: 'applied' })).toBe(2);
    expect(await metric('shop_events_retried_total')).toBe(0);
  });

  it('a new group starts at the beginning of the stream: events published before it existed are handled', async () => {
    const stream = `test:events:${randomBytes(4).toString('hex')}`;
    const earlier = orderEvent();
    await publish(stream, earlier);
    const handled: string[] = [];

    start(
      async (event) => {
        handled.push(event.id);
        return 'applied';
      },
      { stream },
    );

    await expect.poll(() => handled).toEqual([earlier.id]);
  });

  it('a handler that keeps failing is tried maxDeliveries times, then the entry is parked in the dead-letter stream with its reason and error, acknowledged, counted and logged', async () => {
    let attempts = 0;
    const { stream, group, logs, metric, pending, deadLetters } = start(
      async () => {
        attempts++;
        throw new Error('the handler broke');
      },
      { maxDeliveries: 3 },
    );
    const event = orderEvent();
    const entryId = await publish(stream, event);

    await expect.poll(deadLetters, { timeout: 5000 }).toHaveLength(1);
    await sleep(600);

    expect(attempts).toBe(3);
    expect(await pending()).toBe(0);
    expect((await deadLetters())[0]).toEqual({
      entryId,
      stream,
      group,
      consumer: expect.stringMatching(/^consumer-/),
      deliveries: '3',
      reason: 'max_deliveries',
      error: expect.stringContaining('the handler broke'),
      event: JSON.stringify(event),
    });
    expect(await metric('shop_events_dead_lettered_total', { reason: 'max_deliveries' })).toBe(1);
    expect(await metric('shop_events_consumed_total', { type: 'order.confirmed', outcome: 'failed' })).toBe(3);
    expect(await metric('shop_events_retried_total')).toBe(2);
    const parked = logs.filter((line) => line.level === WARN && line.msg.includes('dead-letter'));
    expect(parked).toEqual([
      expect.objectContaining({ entryId, eventId: event.id, reason: 'max_deliveries', deliveries: 3, group }),
    ]);
  });

  it('a handler that fails and then succeeds has its event acknowledged, not parked', async () => {
    const deliveries: number[] = [];
    const { stream, metric, pending, deadLetters } = start(
      async (_event, delivery) => {
        deliveries.push(delivery.deliveries);
        if (deliveries.length < 3) throw new Error('not yet');
        return 'applied';
      },
      { maxDeliveries: 3 },
    );

    await publish(stream, orderEvent());

    await expect.poll(() => deliveries, { timeout: 5000 }).toEqual([1, 2, 3]);
    await expect.poll(pending).toBe(0);
    expect(await deadLetters()).toEqual([]);
    expect(await metric('shop_events_consumed_total', { outcome: 'applied' })).toBe(1);
  });

  it('entries a consumer read and then died with are claimed by another consumer of the group and applied', async () => {
    const stream = `test:events:${randomBytes(4).toString('hex')}`;
    const group = `group-${randomBytes(4).toString('hex')}`;
    await client.xGroupCreate(stream, group, '0', { MKSTREAM: true });
    const events = [orderEvent(), orderEvent()];
    for (const event of events) await publish(stream, event);
    // The consumer that dies: it reads both and acknowledges neither.
    const read = await client.xReadGroup(group, 'dead-consumer', { key: stream, id: '>' }, { COUNT: 10 });
    expect(read?.[0]?.messages).toHaveLength(2);

    const handled: { id: string; deliveries: number }[] = [];
    const { pending, metric } = start(
      async (event, delivery) => {
        handled.push({ id: event.id, deliveries: delivery.deliveries });
        return 'applied';
      },
      { stream, group },
    );

    await expect
      .poll(() => handled, { timeout: 5000 })
      .toEqual(events.map((event) => ({ id: event.id, deliveries: 2 })));
    await expect.poll(pending).toBe(0);
    expect(await metric('shop_events_retried_total')).toBe(2);
  });

  it('an entry its consumers kept dying on is parked when claimed again, without being handed to the handler', async () => {
    const stream = `test:events:${randomBytes(4).toString('hex')}`;
    const group = `group-${randomBytes(4).toString('hex')}`;
    await client.xGroupCreate(stream, group, '0', { MKSTREAM: true });
    const event = orderEvent();
    const entryId = await publish(stream, event);
    // Three consumers in turn take it and die (three deliveries).
    await client.xReadGroup(group, 'dead-1', { key: stream, id: '>' }, { COUNT: 1 });
    for (const name of ['dead-2', 'dead-3']) await client.xClaim(stream, group, name, 0, entryId);

    let calls = 0;
    const { pending, deadLetters } = start(
      async () => {
        calls++;
        return 'applied';
      },
      { stream, group, maxDeliveries: 3 },
    );

    await expect
      .poll(deadLetters)
      .toEqual([
        expect.objectContaining({ entryId, reason: 'max_deliveries', deliveries: '4', error: expect.any(String) }),
      ]);
    expect(calls).toBe(0);
    expect(await pending()).toBe(0);
  });

  it('an entry that is not a valid event, or of an unknown version, is parked at once without reaching the handler, and the next ones are applied', async () => {
    const handled: string[] = [];
    const { stream, metric, pending, deadLetters } = start(async (event) => {
      handled.push(event.id);
      return 'applied';
    });
    const valid = orderEvent();

    await publish(stream, 'not json');
    await publish(stream, JSON.stringify({ ...orderEvent(), version: 2 }));
    await publish(stream, JSON.stringify({ ...orderEvent(), lines: [] }));
    await client.xAdd(stream, '*', { something: 'else' });
    await publish(stream, valid);

    await expect.poll(() => handled).toEqual([valid.id]);
    await expect.poll(pending).toBe(0);
    const parked = await deadLetters();
    expect(parked.map((entry) => [entry.reason, entry.deliveries])).toEqual([
      ['invalid', '1'],
      ['unsupported_version', '1'],
      ['invalid', '1'],
      ['invalid', '1'],
    ]);
    expect(parked[0]?.event).toBe('not json');
    expect(parked[2]?.error).toContain('lines');
    expect(parked[3]?.event).toBe(JSON.stringify({ something: 'else' }));
    expect(await metric('shop_events_dead_lettered_total', { reason: 'invalid' })).toBe(3);
    expect(await metric('shop_events_dead_lettered_total', { reason: 'unsupported_version' })).toBe(1);
  });

  it("a handler failing while its dependency is down is retried in place: the outage is not counted against the event's deliveries", async () => {
    let isDown = true;
    let attempts = 0;
    const { stream, logs, metric, pending, deadLetters } = start(
      async () => {
        attempts++;
        if (isDown) throw new Error('database unreachable');
        return 'applied';
      },
      { maxDeliveries: 2, isReady: async () => !isDown, maxBackoffMs: 100 },
    );

    await publish(stream, orderEvent());
    // Many claim rounds and far more than maxDeliveries attempts.
    await expect.poll(() => attempts, { timeout: 5000 }).toBeGreaterThan(4);
    isDown = false;

    await expect.poll(pending).toBe(0);
    expect(await deadLetters()).toEqual([]);
    expect(await metric('shop_events_consumed_total', { outcome: 'applied' })).toBe(1);
    expect(await metric('shop_events_consumed_total', { outcome: 'failed' })).toBe(0);
    expect(logs.filter((line) => line.msg.includes('paused'))).toHaveLength(1);
  });

  it('stop() while a read is waiting for entries ends it at once', async () => {
    const { consumer } = start(async () => 'applied', { blockMs: 60_000 });
    const blockedClients = async () => Number(/blocked_clients:(\d+)/.exec(await client.info('clients'))?.[1]);
    await expect.poll(blockedClients).toBe(1);

    // Well under the 60 s the read would otherwise wait.
    const outcome = await Promise.race([consumer.stop().then(() => 'stopped'), sleep(10_000).then(() => 'hung')]);

    expect(outcome).toBe('stopped');
    expect(await blockedClients()).toBe(0);
  });

  it('stop() during a handler waits for it and acknowledges its event, then reads nothing more', async () => {
    const inHandler = gate();
    const release = gate();
    const handled: string[] = [];
    const { consumer, stream, group, pending } = start(async (event) => {
      inHandler.open();
      await release.opened;
      handled.push(event.id);
      return 'applied';
    });
    const first = orderEvent();
    await publish(stream, first);
    await inHandler.opened;

    let isStopped = false;
    const stopping = consumer.stop().then(() => (isStopped = true));
    await sleep(200);
    expect(isStopped).toBe(false);
    release.open();
    await stopping;

    expect(handled).toEqual([first.id]);
    expect(await pending()).toBe(0);
    // Stopped with nothing pending, it leaves no name behind in its group.
    expect(await client.xInfoConsumers(stream, group)).toEqual([]);
    await publish(stream, orderEvent());
    await sleep(300);
    expect(handled).toEqual([first.id]);
  });

  it('the lag and pending count of the group are read from Redis at each scrape', async () => {
    const release = gate();
    let started = 0;
    const { stream, metric } = start(
      async () => {
        started++;
        await release.opened;
        return 'applied';
      },
      { batchSize: 1 },
    );
    for (let i = 0; i < 3; i++) await publish(stream, orderEvent());
    await expect.poll(() => started).toBe(1);

    expect(await metric('shop_consumer_pending')).toBe(1);
    expect(await metric('shop_consumer_lag')).toBe(2);

    release.open();
    await expect.poll(() => started).toBe(3);
    await sleep(1100); // past the reuse of the last scrape's reading
    await expect.poll(() => metric('shop_consumer_lag')).toBe(0);
    await expect.poll(() => metric('shop_consumer_pending')).toBe(0);
  });

  it('started while Redis is not there yet, the consumer connects once it is and applies its events', async () => {
    const port = await freePort();
    const handled: string[] = [];
    const { stream } = start(
      async (event) => {
        handled.push(event.id);
        return 'applied';
      },
      { url: `redis://127.0.0.1:${port}`, maxBackoffMs: 200 },
    );
    await sleep(1000); // it has tried and failed meanwhile
    const late = await startRedisServer(port);
    const publisher = await connectRedis(late.url, () => undefined);
    try {
      const event = orderEvent();
      await publisher.xAdd(stream, '*', { event: JSON.stringify(event) });

      await expect.poll(() => handled, { timeout: 15_000 }).toEqual([event.id]);
    } finally {
      await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
      publisher.destroy();
      await late.stop();
    }
  });

  it('while Redis is down the consumer pauses and logs it once; when Redis is back it resumes and applies new events', async () => {
    const ownRedis = await startRedisServer();
    let restarted: LocalRedis | undefined;
    const handled: string[] = [];
    let publisher = await connectRedis(ownRedis.url, () => undefined);
    try {
      const { stream, logs } = start(
        async (event) => {
          handled.push(event.id);
          return 'applied';
        },
        { url: ownRedis.url, maxBackoffMs: 200 },
      );
      const before = orderEvent();
      await publisher.xAdd(stream, '*', { event: JSON.stringify(before) });
      await expect.poll(() => handled).toEqual([before.id]);

      publisher.destroy();
      await ownRedis.stop();
      await sleep(1500); // several attempts while it is down
      restarted = await startRedisServer(ownRedis.port);
      publisher = await connectRedis(restarted.url, () => undefined);
      const after = orderEvent();
      await publisher.xAdd(stream, '*', { event: JSON.stringify(after) });

      await expect.poll(() => handled, { timeout: 15_000 }).toEqual([before.id, after.id]);
      expect(logs.filter((line) => line.msg.includes('paused'))).toHaveLength(1);
      expect(logs.filter((line) => line.msg.includes('resumed'))).toHaveLength(1);
    } finally {
      await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
      publisher.destroy();
      await restarted?.stop();
    }
  });
});

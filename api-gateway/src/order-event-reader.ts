import type { Logger } from '@shop/shared/core';
import {
  EVENT_FIELD,
  ORDER_EVENTS_STREAM,
  connectRedis,
  orderEventSchema,
  type RedisConnection,
} from '@shop/shared/events';
import type { GatewayMetrics } from './metrics.js';
import { createLiveFeed, type LiveFeed, type LiveFeedSettings } from './live-feed.js';

/** Entries taken per read: what one read can add to the sockets' buffers is bounded too. */
const BATCH = 100;
/** Each read waits this long for a new entry; Redis answers at least this often. */
const BLOCK_MS = 2000;
/** After a failed read, the next try (the client reconnects by itself in the background). */
const RETRY_MS = 500;

export interface OrderEventReader {
  /** Settles once the first attempt to reach the stream has succeeded or failed. */
  started: Promise<void>;
  stop(): void;
}

type Entry = [id: string, fields: unknown[]];

const isEntry = (value: unknown): value is Entry =>
  Array.isArray(value) && typeof value[0] === 'string' && Array.isArray(value[1]);

/** The entries of an XREVRANGE reply, or of a one-stream XREAD reply (`[[key, entries]]`, or `{ key: entries }` as node-redis maps it); none for nil. */
function entriesOf(reply: unknown, isXread: boolean): Entry[] {
  let entries: unknown = reply;
  if (isXread && Array.isArray(reply)) entries = (reply[0] as unknown[] | undefined)?.[1];
  else if (isXread) entries = reply instanceof Map ? [...reply.values()][0] : Object.values(reply ?? {})[0];
  return Array.isArray(entries) ? entries.filter(isEntry) : [];
}

function eventField(fields: unknown[]): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (String(fields[i]) === EVENT_FIELD) return String(fields[i + 1]);
  }
  return undefined;
}

/**
 * Follows ORDER_EVENTS_STREAM on a connection of its own (XREAD BLOCK holds it), from the entry
 * that was last when it started: not a consumer group, since every gateway worker must see every
 * event for its own sockets. After an outage it goes on from the last entry it saw, so events
 * added meanwhile still arrive. Invalid entries are skipped.
 */
export function readOrderEvents(deps: {
  redis: RedisConnection;
  feed: Pick<LiveFeed, 'isListening' | 'deliver' | 'setStatus'>;
  logger: Logger;
}): OrderEventReader {
  const { redis, feed, logger } = deps;
  let isStopped = false;
  /** Unknown until the first attempt. */
  let isLive: boolean | undefined;
  /** The last entry seen: reading goes on after it, also after an outage. */
  let lastId: string | undefined;

  const deliver = (id: string, fields: unknown[]) => {
    const text = eventField(fields);
    let parsed: unknown;
    try {
      parsed = text === undefined ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    // Only events someone here listens for are validated in full.
    const userId = (parsed as { userId?: unknown } | undefined)?.userId;
    if (typeof userId === 'string' && !feed.isListening(userId)) return;
    const event = orderEventSchema.safeParse(parsed);
    if (event.success) feed.deliver(event.data);
    else logger.warn({ entryId: id, stream: ORDER_EVENTS_STREAM }, 'invalid order event skipped by the live feed');
  };

  const markLive = () => {
    if (isLive !== true) logger.info('live feed following the order event stream');
    isLive = true;
    feed.setStatus({ state: 'live' });
  };

  const markDegraded = (error: unknown) => {
    if (isLive !== false) logger.warn({ err: error }, 'live feed cannot read the order event stream; retrying');
    isLive = false;
    feed.setStatus({ state: 'degraded', reason: 'events_unavailable' });
  };

  /** Where reading starts (the stream's last entry), or, after an outage, a check that Redis is back. */
  const connect = async () => {
    if (lastId === undefined) {
      const last = entriesOf(
        await redis.sendCommand(['XREVRANGE', ORDER_EVENTS_STREAM, '+', '-', 'COUNT', '1']),
        false,
      );
      lastId = last[0]?.[0] ?? '0-0';
    } else {
      // Say so now rather than after a read that may block for BLOCK_MS.
      await redis.sendCommand(['PING']);
    }
    markLive();
  };

  const step = async () => {
    if (isLive !== true) await connect();
    const reply = await redis.sendCommand([
      'XREAD',
      'COUNT',
      String(BATCH),
      'BLOCK',
      String(BLOCK_MS),
      'STREAMS',
      ORDER_EVENTS_STREAM,
      lastId!, // set by connect()
    ]);
    for (const [id, fields] of entriesOf(reply, true)) {
      lastId = id;
      deliver(id, fields);
    }
  };

  const started = connect().catch(markDegraded);

  void started.then(async () => {
    while (!isStopped) {
      try {
        await step();
      } catch (error) {
        if (isStopped) return;
        markDegraded(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
      }
    }
  });

  return {
    started,
    stop: () => {
      isStopped = true;
    },
  };
}

/**
 * The live feed of one gateway worker with its own reader of the order event stream, on a Redis
 * connection of its own. `close()` closes the sockets, then stops reading.
 */
export async function startLiveFeed(options: {
  redisUrl: string;
  settings: LiveFeedSettings;
  metrics: GatewayMetrics;
  logger: Logger;
}): Promise<LiveFeed> {
  const { logger } = options;
  const feed = createLiveFeed(options.settings, { metrics: options.metrics, logger });
  // Reconnection errors repeat every few seconds while Redis is away; the reader logs the outage once.
  const redis = await connectRedis(
    options.redisUrl,
    (error) => logger.debug({ err: error }, 'live feed redis error'),
    2000,
    // A read answers within BLOCK_MS: silence well beyond it is a Redis gone without a reset.
    { socketTimeoutMs: BLOCK_MS + 3000 },
  );
  const reader = readOrderEvents({ redis, feed, logger });
  await reader.started;
  return {
    ...feed,
    close: async () => {
      await feed.close();
      reader.stop();
      redis.destroy();
    },
  };
}

import { hostname } from 'node:os';
import type { Logger } from '../core/logger.js';
import { withRequestId } from '../core/request-context.js';
import {
  EVENT_FIELD,
  ORDER_EVENTS_DEAD_LETTER_STREAM,
  ORDER_EVENTS_STREAM,
  ORDER_EVENT_VERSION,
  orderEventSchema,
  type OrderEvent,
  type OrderEventType,
} from './order-events.js';
import { connectRedis, type RedisConnection } from './redis.js';

/** What a handler did with an event: changed something, had already done it, or has nothing to do with it. */
export type ConsumeOutcome = 'applied' | 'duplicate' | 'ignored';

/**
 * Why an entry was parked: not an order event (`invalid`), a version this code does not know
 * (`unsupported_version`), both at once (retrying cannot fix either), or failed on every one of
 * `maxDeliveries` deliveries (`max_deliveries`).
 */
export type DeadLetterReason = 'invalid' | 'unsupported_version' | 'max_deliveries';

/** The stream entry an event came in, for the handler's logs. */
export interface Delivery {
  entryId: string;
  /** How many times the group has handed this entry out, this one included (1 the first time). */
  deliveries: number;
}

/** A group as XINFO GROUPS reports it; `lag` is null when Redis cannot tell (after deletions in the stream). */
export interface GroupState {
  lag: number | null;
  pending: number;
}

/** Where a consumer reports (the port; `createConsumerMetrics` in `@shop/shared/http` is the Prometheus side). */
export interface ConsumerMetrics {
  consumed(group: string, type: OrderEventType, outcome: ConsumeOutcome | 'failed'): void;
  /** An entry handed out again (its first consumer failed, died or is too slow). */
  retried(group: string): void;
  deadLettered(group: string, reason: DeadLetterReason): void;
  /** How to read the group's lag and pending count at scrape time; returns the way to stop. */
  observeGroup(group: string, read: () => Promise<GroupState>): () => void;
}

export interface ConsumerOptions {
  /** `redis://...`: the consumer opens two connections of its own (one for its blocking read). */
  url: string;
  /** One group per consuming service: every group receives every event, once per group. */
  group: string;
  /** Unique per process (`consumerName(service)`), so that what it leaves pending can be claimed by another. */
  consumer: string;
  /**
   * Applies one event; must be idempotent by event id (delivery is at least once). A rejection
   * leaves the entry pending: it is retried after `claimIdleMs`, and parked after `maxDeliveries`.
   */
  handle(event: OrderEvent, delivery: Delivery): Promise<ConsumeOutcome>;
  logger: Logger;
  metrics?: ConsumerMetrics;
  /**
   * Whether what the handler needs (its database) answers. When a handler fails while this says
   * no, the failure is an outage, not the event's fault: the consumer pauses and retries the same
   * event until it is back, without counting a delivery towards the dead-letter stream.
   */
  isReady?: () => Promise<boolean>;
  stream?: string;
  deadLetterStream?: string;
  /** Deliveries (the first included) after which a failing entry is parked. Default 5. */
  maxDeliveries?: number;
  /** An entry pending this long (its consumer died, failed or is stuck) is claimed and retried. Default 30 s. */
  claimIdleMs?: number;
  /** Entries read or claimed at a time. Default 10. */
  batchSize?: number;
  /** How long a read waits for new entries before the consumer looks for idle ones again. Default 2 s. */
  blockMs?: number;
  /** Approximate bound on the dead-letter stream's length (oldest entries go first). Default 10 000. */
  deadLetterMaxLen?: number;
  /** Longest wait between attempts while Redis (or the handler's dependency) is down. Default 5 s. */
  maxBackoffMs?: number;
}

export interface EventConsumer {
  /**
   * Ends the loop: unblocks a waiting read, lets the event in hand finish (and be acknowledged),
   * then closes the connections. Entries read but not reached stay pending for another consumer.
   */
  stop(): Promise<void>;
}

/** `${service}-${hostname}-${pid}`: unique per process, and readable in XINFO CONSUMERS. */
export function consumerName(service: string): string {
  return `${service}-${hostname()}-${process.pid}`;
}

interface StreamEntry {
  id: string;
  message: Record<string, string>;
}

type ParsedEntry =
  | { isValid: true; event: OrderEvent }
  | { isValid: false; reason: Exclude<DeadLetterReason, 'max_deliveries'>; error: string };

const INITIAL_BACKOFF_MS = 100;
/**
 * A command unanswered this long (a blocking read: this long after its BLOCK time) is presumed
 * lost to a frozen server or network: its connection is dropped and made again.
 */
const COMMAND_TIMEOUT_MS = 10_000;
/** Failure messages kept for the dead-letter entry of an entry that then died with its consumer. */
const MAX_REMEMBERED_ERRORS = 1000;
const MAX_ERROR_LENGTH = 1000;
const STOPPED = Symbol('stopped');

const errorText = (error: unknown) =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, MAX_ERROR_LENGTH);

/** `work` (a command on `client`), or a rejection after `ms` that also drops the connection. */
async function bounded<T>(client: RedisConnection, work: Promise<T>, ms = COMMAND_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const lost = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      client.destroy();
      reject(new Error(`redis did not answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work, lost]);
  } finally {
    clearTimeout(timer);
    // Destroying the client rejects `work` too; that rejection is expected.
    work.catch(() => undefined);
  }
}

const isNoGroupError = (error: unknown) => error instanceof Error && error.message.startsWith('NOGROUP');
const isBusyGroupError = (error: unknown) => error instanceof Error && error.message.startsWith('BUSYGROUP');

/** An entry's event, or why it can never be applied. */
function parseEntry(text: string | undefined): ParsedEntry {
  if (text === undefined) return { isValid: false, reason: 'invalid', error: `no "${EVENT_FIELD}" field` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { isValid: false, reason: 'invalid', error: errorText(error) };
  }
  if (typeof json === 'object' && json !== null && 'version' in json && json.version !== ORDER_EVENT_VERSION) {
    return {
      isValid: false,
      reason: 'unsupported_version',
      error: `version ${String(json.version)} is not known here`,
    };
  }
  const parsed = orderEventSchema.safeParse(json);
  if (parsed.success) return { isValid: true, event: parsed.data };
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`);
  return { isValid: false, reason: 'invalid', error: issues.join('; ').slice(0, MAX_ERROR_LENGTH) };
}

/**
 * Reads `stream` as `consumer` in consumer group `group`, hands each order event to `handle` and
 * acknowledges it once handled (at least once: a crash between the two delivers it again, so the
 * handler must be idempotent by event id).
 *
 * - The group is created reading from the start of the stream: a new consumer service (or one
 *   whose Redis lost its data) first works through the history the stream still holds.
 * - The blocking read has a connection of its own; acks, claims, the dead-letter writes and the
 *   metrics' reads use the other, so a waiting read delays none of them.
 * - An entry that is not a valid order event, or of a version this code does not know, is
 *   parked in `deadLetterStream` at once. A failing one stays pending; every `claimIdleMs` or so
 *   the consumer claims entries pending that long (its own failures, or those of a consumer that
 *   died) and tries again; on its `maxDeliveries`th delivery a failure parks it. Parking is the
 *   dead-letter entry and the ack in one MULTI, so it happens once.
 * - Entries are handled one at a time in stream order, except that a retried entry comes after
 *   those read since: handlers must not depend on the order of one order's events.
 * - While Redis is down it pauses, retries with a backoff of at most `maxBackoffMs`, and logs
 *   once when it pauses and once when it resumes.
 */
export function startConsumer(options: ConsumerOptions): EventConsumer {
  const {
    url,
    group,
    consumer,
    handle,
    logger,
    metrics,
    isReady,
    stream = ORDER_EVENTS_STREAM,
    deadLetterStream = ORDER_EVENTS_DEAD_LETTER_STREAM,
    maxDeliveries = 5,
    claimIdleMs = 30_000,
    batchSize = 10,
    blockMs = 2000,
    deadLetterMaxLen = 10_000,
    maxBackoffMs = 5000,
  } = options;
  const log = logger.child({ stream, group, consumer });
  // Looking for idle entries more often than they can become idle finds nothing new.
  const claimIntervalMs = Math.min(Math.max(claimIdleMs / 2, 100), 5000);
  const lastErrors = new Map<string, string>();

  let isStopping = false;
  let commands: RedisConnection | undefined;
  let reader: RedisConnection | undefined;
  let isGroupReady = false;
  let nextClaimAt = 0;
  let wake: (() => void) | undefined;

  // Node-redis reports every failed reconnection; the loop logs the outage itself, once.
  const onRedisError = (error: unknown) => log.debug({ err: error }, 'redis connection error');

  /** Waits `ms`, or less if stop() is called meanwhile. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake = done;
    });

  const connect = async (): Promise<RedisConnection> => {
    const client = await connectRedis(url, onRedisError);
    if (isStopping) {
      client.destroy();
      throw new Error('stopping');
    }
    return client;
  };

  const remember = (entryId: string, error: string) => {
    lastErrors.delete(entryId);
    lastErrors.set(entryId, error);
    if (lastErrors.size > MAX_REMEMBERED_ERRORS) lastErrors.delete(lastErrors.keys().next().value ?? '');
  };

  const createGroup = async (client: RedisConnection) => {
    try {
      await bounded(client, client.xGroupCreate(stream, group, '0', { MKSTREAM: true }));
      log.info('consumer group created; reading the stream from its start');
    } catch (error) {
      if (!isBusyGroupError(error)) throw error;
    }
  };

  const deadLetter = async (
    client: RedisConnection,
    entry: StreamEntry,
    deliveries: number,
    reason: DeadLetterReason,
    error: string,
    event?: OrderEvent,
  ) => {
    const parkAndAck = client
      .multi()
      .xAdd(
        deadLetterStream,
        '*',
        {
          entryId: entry.id,
          stream,
          group,
          consumer,
          deliveries: String(deliveries),
          reason,
          error,
          [EVENT_FIELD]: entry.message[EVENT_FIELD] ?? JSON.stringify(entry.message),
        },
        { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: deadLetterMaxLen } },
      )
      .xAck(stream, group, entry.id)
      .exec();
    await bounded(client, parkAndAck);
    lastErrors.delete(entry.id);
    metrics?.deadLettered(group, reason);
    log.warn(
      { entryId: entry.id, deliveries, reason, error, eventId: event?.id, type: event?.type, orderId: event?.orderId },
      `event moved to the dead-letter stream ${deadLetterStream}`,
    );
  };

  /**
   * Runs the handler in the context of the request that caused the event (its log lines carry
   * that request id). While the handler's dependency is down, waits and runs it again; STOPPED
   * if stop() came meanwhile (the entry stays pending).
   */
  const runHandler = async (
    event: OrderEvent,
    delivery: Delivery,
  ): Promise<{ outcome: ConsumeOutcome } | { error: unknown } | typeof STOPPED> => {
    let backoffMs = 0;
    let pausedAt: number | undefined;
    for (;;) {
      try {
        const outcome = await withRequestId(event.requestId ?? `event-${event.id}`, () => handle(event, delivery));
        if (pausedAt !== undefined) log.info({ pausedMs: Date.now() - pausedAt }, 'event consumer resumed');
        return { outcome };
      } catch (error) {
        const isOutage = isReady !== undefined && !(await isReady().catch(() => false));
        if (!isOutage) return { error };
        if (pausedAt === undefined) {
          pausedAt = Date.now();
          log.warn({ err: error, eventId: event.id }, "event consumer paused: the handler's dependency is down");
        }
        if (isStopping) return STOPPED;
        backoffMs = Math.min(Math.max(backoffMs * 2, INITIAL_BACKOFF_MS), maxBackoffMs);
        await pause(backoffMs);
        if (isStopping) return STOPPED;
      }
    }
  };

  /** Handles one delivery of an entry, then acknowledges it, parks it, or leaves it pending. */
  const deliver = async (client: RedisConnection, entry: StreamEntry, deliveries: number) => {
    const parsed = parseEntry(entry.message[EVENT_FIELD]);
    if (!parsed.isValid) return deadLetter(client, entry, deliveries, parsed.reason, parsed.error);
    const { event } = parsed;
    if (deliveries > maxDeliveries) {
      // Handed out more often than allowed without an answer: its consumers died on it (or failed
      // and died before parking it). Not tried again, as it may be what kills them.
      const error = lastErrors.get(entry.id) ?? `delivered ${deliveries} times without being acknowledged`;
      return deadLetter(client, entry, deliveries, 'max_deliveries', error, event);
    }
    const result = await runHandler(event, { entryId: entry.id, deliveries });
    if (result === STOPPED) return;
    if ('error' in result) {
      metrics?.consumed(group, event.type, 'failed');
      const error = errorText(result.error);
      if (deliveries >= maxDeliveries) return deadLetter(client, entry, deliveries, 'max_deliveries', error, event);
      remember(entry.id, error);
      log.warn(
        { err: result.error, entryId: entry.id, eventId: event.id, type: event.type, deliveries, maxDeliveries },
        `event handling failed; retried in ${claimIdleMs} ms`,
      );
      return;
    }
    metrics?.consumed(group, event.type, result.outcome);
    // If Redis is gone now, the entry stays pending and comes back: the handler sees it as a duplicate.
    await bounded(client, client.xAck(stream, group, entry.id));
    lastErrors.delete(entry.id);
  };

  /** Claims what has been pending longer than claimIdleMs, page by page, and handles it again. */
  const claimIdle = async (client: RedisConnection) => {
    let cursor = '0-0';
    do {
      const page = await bounded(
        client,
        client.xAutoClaim(stream, group, consumer, claimIdleMs, cursor, { COUNT: batchSize }),
      );
      const claimed = page.messages.filter((entry): entry is StreamEntry => entry !== null);
      if (page.deletedMessages.length > 0) {
        // Redis drops these from the group: trimmed from the stream before anyone handled them.
        log.warn({ entryIds: page.deletedMessages }, 'pending events were trimmed from the stream unhandled');
      }
      // XAUTOCLAIM does not say how often an entry was delivered; XPENDING on each one does.
      const pending = await bounded(
        client,
        Promise.all(claimed.map((entry) => client.xPendingRange(stream, group, entry.id, entry.id, 1, { consumer }))),
      );
      for (const [index, entry] of claimed.entries()) {
        if (isStopping) return;
        const deliveries = pending[index]?.[0]?.deliveriesCounter;
        if (deliveries === undefined) continue; // acknowledged meanwhile
        metrics?.retried(group);
        log.info({ entryId: entry.id, deliveries }, 'retrying an event left pending');
        await deliver(client, entry, deliveries);
      }
      cursor = page.nextId;
    } while (cursor !== '0-0' && !isStopping);
  };

  const readNew = async (blocking: RedisConnection): Promise<StreamEntry[]> => {
    const read = blocking.xReadGroup(group, consumer, { key: stream, id: '>' }, { COUNT: batchSize, BLOCK: blockMs });
    const reply = await bounded(blocking, read, blockMs + COMMAND_TIMEOUT_MS);
    return reply?.flatMap((streamReply) => streamReply.messages) ?? [];
  };

  const loop = async () => {
    let backoffMs = 0;
    let pausedAt: number | undefined;
    while (!isStopping) {
      try {
        commands = commands?.isOpen ? commands : await connect();
        reader = reader?.isOpen ? reader : await connect();
        if (!isGroupReady) {
          await createGroup(commands);
          isGroupReady = true;
        }
        if (Date.now() >= nextClaimAt) {
          await claimIdle(commands);
          nextClaimAt = Date.now() + claimIntervalMs;
        }
        const entries = await readNew(reader);
        if (pausedAt !== undefined) {
          log.info({ pausedMs: Date.now() - pausedAt }, 'event consumer resumed');
          pausedAt = undefined;
          backoffMs = 0;
        }
        for (const entry of entries) {
          if (isStopping) break;
          await deliver(commands, entry, 1);
        }
      } catch (error) {
        if (isStopping) break;
        // The group is gone: Redis restarted without its data, or someone deleted it.
        if (isNoGroupError(error) && isGroupReady) {
          isGroupReady = false;
          continue;
        }
        if (pausedAt === undefined) {
          pausedAt = Date.now();
          log.warn({ err: error }, 'event consumer paused: redis unavailable; retrying');
        }
        backoffMs = Math.min(Math.max(backoffMs * 2, INITIAL_BACKOFF_MS), maxBackoffMs);
        await pause(backoffMs);
      }
    }
  };

  const stopObserving = metrics?.observeGroup(group, async () => {
    if (commands === undefined) throw new Error('not connected yet');
    const state = (await bounded(commands, commands.xInfoGroups(stream))).find((info) => String(info.name) === group);
    if (state === undefined) throw new Error(`no group ${group} on ${stream}`);
    return { lag: state.lag ?? null, pending: state.pending };
  });

  const running = loop();

  const stop = async () => {
    isStopping = true;
    wake?.();
    reader?.destroy();
    await running;
    stopObserving?.();
    const client = commands;
    if (client === undefined) return;
    try {
      // Leave no name behind in XINFO CONSUMERS, unless entries are still pending for it.
      const { consumers } = await bounded(client, client.xPending(stream, group));
      if (!consumers?.some(({ name }) => String(name) === consumer)) {
        await bounded(client, client.xGroupDelConsumer(stream, group, consumer));
      }
    } catch (error) {
      log.debug({ err: error }, 'could not remove the consumer from its group');
    } finally {
      client.destroy();
    }
  };
  let stopped: Promise<void> | undefined;
  return { stop: () => (stopped ??= stop()) };
}

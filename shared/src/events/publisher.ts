import { ORDER_EVENTS_STREAM, EVENT_FIELD, orderEventSchema, type OrderEvent } from './order-events.js';
import type { RedisConnection } from './redis.js';
import { withTimeout } from '../core/with-timeout.js';

export interface OrderEventPublisherOptions {
  /** Approximate cap on the stream's length (`XADD ... MAXLEN ~ n`): older entries are trimmed. */
  maxLen: number;
  /** Bound on one publish; a Redis that accepts the connection but never answers fails it. */
  timeoutMs?: number;
  stream?: string;
}

export interface OrderEventPublisher {
  /**
   * Appends the events to the stream in the order given, all or none (MULTI/EXEC), each as one
   * entry whose `event` field is the JSON. Throws (nothing appended, or the answer was lost) when
   * Redis is unavailable, slow or refuses; the caller keeps the events and tries again later.
   */
  publish(events: readonly OrderEvent[]): Promise<void>;
}

/** Appends order events to the Redis stream of order events (`ORDER_EVENTS_STREAM`), bounded by `maxLen`. */
export function createOrderEventPublisher(
  redis: RedisConnection,
  { maxLen, timeoutMs = 2000, stream = ORDER_EVENTS_STREAM }: OrderEventPublisherOptions,
): OrderEventPublisher {
  const trim = { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: maxLen } } as const;
  return {
    async publish(events) {
      if (events.length === 0) return;
      const multi = redis.multi();
      // Parsed again here, at the wire: nothing that is not a valid event reaches a consumer.
      for (const event of events)
        multi.xAdd(stream, '*', { [EVENT_FIELD]: JSON.stringify(orderEventSchema.parse(event)) }, trim);
      await withTimeout(multi.exec(), timeoutMs, `redis did not answer within ${timeoutMs} ms`);
    },
  };
}

import {
  EVENT_FIELD,
  ORDER_EVENTS_STREAM,
  orderEventSchema,
  type OrderEvent,
  type RedisConnection,
} from '@shop/shared/events';
import { expect } from 'vitest';
import { Types } from 'mongoose';
import type { Harness } from './harness';

/** Every event on the order events stream, oldest first, each checked against the published schema. */
export async function streamEvents(reader: RedisConnection): Promise<OrderEvent[]> {
  const entries = (await reader.xRange(ORDER_EVENTS_STREAM, '-', '+')) ?? [];
  return entries.map((entry) => {
    expect(Object.keys(entry.message)).toEqual([EVENT_FIELD]);
    return orderEventSchema.parse(JSON.parse(entry.message[EVENT_FIELD]!));
  });
}

/** Polls `read` until `isDone` holds of its result (at most `timeoutMs`), and returns that result. */
export async function waitFor<T>(
  read: () => Promise<T>,
  isDone: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (isDone(value)) return value;
    if (Date.now() > deadline) return value; // the caller's assertion says what is missing
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Whether the order's outbox is empty (its events all published) or the order is gone (an expired one, drained). */
export async function isDrained(h: Pick<Harness, 'database'>, orderId: string): Promise<boolean> {
  const doc = await h.database.connection
    .collection('orders')
    .findOne({ _id: new Types.ObjectId(orderId) }, { projection: { hasOutbox: 1 } });
  return doc === null || doc.hasOutbox === undefined;
}

/**
 * The events of `orderId` on the stream once the relay has published all it holds for the order
 * (so none is still on its way and "exactly these" can be asserted).
 */
export async function publishedEventsOf(
  h: Pick<Harness, 'database'>,
  reader: RedisConnection,
  orderId: string,
): Promise<OrderEvent[]> {
  await waitFor(
    () => isDrained(h, orderId),
    (drained) => drained,
  );
  return (await streamEvents(reader)).filter((event) => event.orderId === orderId);
}

/** The types of an order's events in stream order, each event counted at its first appearance (as a consumer deduplicating by id sees them). */
export function firstAppearances(events: OrderEvent[]): OrderEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => !seen.has(event.id) && seen.add(event.id));
}

import type { Logger } from '@shop/shared/core';
import { orderEventSchema, type OrderEvent } from '@shop/shared/events';
import type { ClaimedOrder, EventPublisher, EventRelayMetrics, OrderOutbox } from './order-outbox.js';

export interface RelayOrderEventsDeps {
  outbox: OrderOutbox;
  publisher: EventPublisher;
  metrics: EventRelayMetrics;
  logger: Logger;
}

export interface RelayOrderEventsOptions {
  /** Orders claimed per round; a full round is followed by another at once. */
  batchSize?: number;
  /** How long a claim keeps other relays away; a relay that dies holding one delays its orders this long. */
  leaseMs?: number;
}

export type RelayOrderEventsResult = { published: number; isBatchFull: boolean };

/** The publish failed; the claimed events stay in their outboxes for a later round. */
export class EventPublishError extends Error {
  constructor(cause: unknown) {
    super('publishing order events failed', { cause });
    this.name = 'EventPublishError';
  }
}

const firstEventTime = (order: ClaimedOrder) => order.events[0]?.time ?? '';

/**
 * One round of the outbox relay: claim orders with unpublished events, append their events to the
 * stream (each order's oldest first), then remove exactly those events from the outboxes.
 *
 * At least once: a crash after the append and before the removal publishes the events again (with
 * the same ids; consumers apply an id once). In order per order: an order's events go out in the
 * order written, all in one append, and a failed append leaves them all for the next round, so a
 * later event never overtakes an earlier one. The lease keeps two relays off the same order; if
 * one outlives its lease the order's events may go out twice, still in order.
 */
export async function relayOrderEvents(
  { outbox, publisher, metrics, logger }: RelayOrderEventsDeps,
  { batchSize = 100, leaseMs = 10_000 }: RelayOrderEventsOptions = {},
): Promise<RelayOrderEventsResult> {
  const { token, orders } = await outbox.claim(batchSize, leaseMs);
  if (orders.length === 0) return { published: 0, isBatchFull: false };

  // Oldest change first across orders, so the stream roughly follows time; only per order is it promised.
  const claimed = [...orders].sort((a, b) => firstEventTime(a).localeCompare(firstEventTime(b)));
  const events: OrderEvent[] = [];
  for (const order of claimed) {
    for (const stored of order.events) {
      const parsed = orderEventSchema.safeParse({ ...stored, orderId: order.orderId, userId: order.userId });
      if (parsed.success) {
        events.push(parsed.data);
        continue;
      }
      // Events are checked when written, so this is a document changed by hand or an older
      // format: holding it would block the order's later events forever. Logged whole, then dropped.
      metrics.publishFailed('invalid');
      logger.error(
        { orderId: order.orderId, event: stored, problems: parsed.error.issues.slice(0, 10) },
        'a stored order event does not match the event schema; dropped',
      );
    }
  }

  try {
    await publisher.publish(events);
  } catch (error) {
    metrics.publishFailed('unavailable');
    // If this fails too, the leases run out on their own (leaseMs).
    await outbox
      .release(
        token,
        claimed.map((order) => order.orderId),
      )
      .catch(() => undefined);
    throw new EventPublishError(error);
  }
  metrics.published(events);
  await outbox.acknowledge(
    token,
    claimed.map((order) => ({
      orderId: order.orderId,
      eventIds: order.events.map((event) => event.id),
      isDroppedWhenEmpty: order.status === 'expired',
    })),
  );
  return { published: events.length, isBatchFull: orders.length === batchSize };
}

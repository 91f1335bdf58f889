import type { OrderEvent } from '@shop/shared/events';
import type { OrderStatus, OutboxEvent } from './order.js';

/** An order whose unpublished events one relay holds for a while (its lease). */
export interface ClaimedOrder {
  orderId: string;
  userId: string;
  status: OrderStatus;
  /** Oldest first, as written. */
  events: OutboxEvent[];
}

export interface OutboxClaim {
  /** Names this claim's lease; only its holder ends it. */
  token: string;
  orders: ClaimedOrder[];
}

/** The events as the orders store them for the relay; implemented by data-access/order-outbox.repository.ts. */
export interface OrderOutbox {
  /**
   * Leases up to `limit` orders that have unpublished events and no live lease, for `leaseMs`, so
   * another relay (another order-service instance) leaves them alone meanwhile.
   */
  claim(limit: number, leaseMs: number): Promise<OutboxClaim>;
  /**
   * Removes exactly these events from each order's outbox and ends the lease. An order whose outbox
   * is then empty loses its pending flag (an event written meanwhile keeps it), or is deleted when
   * `isDroppedWhenEmpty` (an expired order exists only to deliver its events).
   */
  acknowledge(
    token: string,
    orders: { orderId: string; eventIds: string[]; isDroppedWhenEmpty: boolean }[],
  ): Promise<void>;
  /** Ends the lease without removing anything, so the next round tries these orders again. */
  release(token: string, orderIds: string[]): Promise<void>;
  /** Events not published yet, and the time of the oldest (undefined when there is none). */
  backlog(): Promise<{ events: number; oldest: Date | undefined }>;
}

/** Where events go (the Redis stream); `createOrderEventPublisher` in @shop/shared/events implements it. */
export interface EventPublisher {
  /** Appends the events in this order, all or none; throws when they may not have been appended. */
  publish(events: readonly OrderEvent[]): Promise<void>;
}

/** What the relay reports (the port; `../metrics.ts` is the Prometheus side). */
export interface EventRelayMetrics {
  published(events: readonly OrderEvent[]): void;
  /** `unavailable`: a publish attempt failed (the events stay); `invalid`: a stored event did not match the schema and was dropped. */
  publishFailed(reason: 'unavailable' | 'invalid'): void;
}

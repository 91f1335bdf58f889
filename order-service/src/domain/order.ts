import type { OrderEvent } from '@shop/shared/events';

/**
 * `expired`: a pending order whose saga failed or was abandoned. It no longer exists for users (no
 * read returns it, its idempotency key is free) and is kept only until its events are published.
 */
export const orderStatuses = ['pending', 'confirmed', 'cancelled', 'expired'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

/** The statuses a user can see (and filter lists by). */
export const visibleOrderStatuses = ['pending', 'confirmed', 'cancelled'] as const satisfies readonly OrderStatus[];
export type VisibleOrderStatus = (typeof visibleOrderStatuses)[number];

export interface OrderLine {
  productId: string;
  quantity: number;
}

/** A line as sold: the name and unit price are product-service's snapshot at reservation time. */
export interface PricedLine extends OrderLine {
  name: string;
  unitPriceCents: number;
}

/**
 * An event as kept in its order's outbox until the relay publishes it: the published event
 * (`@shop/shared/events`) without `orderId` and `userId`, which are the order's own.
 */
export type OutboxEvent = Omit<OrderEvent, 'orderId' | 'userId'>;

export interface Order {
  id: string;
  userId: string;
  idempotencyKey: string;
  /** Never `expired`: the store does not return expired orders. */
  status: VisibleOrderStatus;
  /** Priced once confirmed; a pending order holds the requested lines only. */
  items: (OrderLine & Partial<PricedLine>)[];
  totalCents: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A page of orders, optionally of one status. */
export interface OrderListInput {
  page: number;
  limit: number;
  status?: VisibleOrderStatus | undefined;
}

export interface OrderQuery {
  userId?: string;
  status?: VisibleOrderStatus;
  page: number;
  limit: number;
}

/**
 * Where orders are kept; implemented by data-access/order.repository.ts.
 *
 * Every state change stores the event it produces (built by the domain, `order-events.ts`) in the
 * order's outbox in the same single-document write, so the change and its event exist together
 * or not at all; the relay publishes them (`relay-order-events.use-case.ts`). Reads never return
 * an expired order: for users it no longer exists.
 */
export interface OrderStore {
  /** Claims (userId, idempotencyKey) with `event` (order.placed); returns null when the key is already taken. */
  insertPending(input: {
    userId: string;
    idempotencyKey: string;
    items: OrderLine[];
    event: OutboxEvent;
  }): Promise<Order | null>;
  findById(id: string): Promise<Order | null>;
  findByKey(userId: string, idempotencyKey: string): Promise<Order | null>;
  /** Pending (and not abandoned) to confirmed, with `event` (order.confirmed); null otherwise. */
  confirm(id: string, items: PricedLine[], totalCents: number, event: OutboxEvent): Promise<Order | null>;
  /** Moves `from` to `to` atomically with `event`; null when the order is not in `from`. */
  transition(id: string, from: VisibleOrderStatus, to: VisibleOrderStatus, event: OutboxEvent): Promise<Order | null>;
  /**
   * A pending order to `expired` with `event` (order.expired), freeing its idempotency key in the
   * same write; false when it is not pending (confirmed meanwhile, or expired already).
   */
  expirePending(id: string, event: OutboxEvent): Promise<boolean>;
  /** Pending orders created before `olderThan`, oldest first. */
  findStalePending(olderThan: Date, limit: number): Promise<Order[]>;
  /**
   * Marks a pending order as being rolled back, so a saga still running for it can no longer
   * confirm it; false when it is not pending any more (confirmed or expired meanwhile).
   */
  abandonPending(id: string): Promise<boolean>;
  /**
   * Records that a confirmed order is being cancelled and holds the cancel for this caller alone;
   * false when it is not confirmed or another cancel holds it.
   */
  markCancelRequested(id: string): Promise<boolean>;
  /** Lets go of a cancel whose release failed, so it can be asked again at once; the request stays recorded for the sweep. */
  clearCancelInProgress(id: string): Promise<void>;
  /** Confirmed orders whose cancel started before `olderThan` and never finished. */
  findStaleCancels(olderThan: Date, limit: number): Promise<Order[]>;
  list(query: OrderQuery): Promise<{ items: Order[]; total: number }>;
  /** How many orders are in `status` now (for the pending-orders gauge). */
  countByStatus(status: VisibleOrderStatus): Promise<number>;
}

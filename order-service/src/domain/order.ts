export const orderStatuses = ['pending', 'confirmed', 'cancelled'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export interface OrderLine {
  productId: string;
  quantity: number;
}

/** A line as sold: the name and unit price are product-service's snapshot at reservation time. */
export interface PricedLine extends OrderLine {
  name: string;
  unitPriceCents: number;
}

export interface Order {
  id: string;
  userId: string;
  idempotencyKey: string;
  status: OrderStatus;
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
  status?: OrderStatus | undefined;
}

export interface OrderQuery {
  userId?: string;
  status?: OrderStatus;
  page: number;
  limit: number;
}

/** Where orders are kept; implemented by data-access/order.repository.ts. */
export interface OrderStore {
  /** Claims (userId, idempotencyKey); returns null when the key is already taken. */
  insertPending(input: { userId: string; idempotencyKey: string; items: OrderLine[] }): Promise<Order | null>;
  findById(id: string): Promise<Order | null>;
  findByKey(userId: string, idempotencyKey: string): Promise<Order | null>;
  confirm(id: string, items: PricedLine[], totalCents: number): Promise<Order | null>;
  /** Moves `from` to `to` atomically; null when the order is not in `from`. */
  transition(id: string, from: OrderStatus, to: OrderStatus): Promise<Order | null>;
  deletePending(id: string): Promise<void>;
  /** Pending orders created before `olderThan`, oldest first. */
  findStalePending(olderThan: Date, limit: number): Promise<Order[]>;
  /**
   * Marks a pending order as being rolled back, so a saga still running for it can no longer
   * confirm it; false when it is not pending any more (confirmed or deleted meanwhile).
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
  countByStatus(status: OrderStatus): Promise<number>;
}

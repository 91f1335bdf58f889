import { ORDER_EVENT_TYPES } from '@shop/shared/events';
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { orderStatuses, type OrderStatus, type OutboxEvent } from '../domain/order.js';

export interface OrderDocument {
  _id: Types.ObjectId;
  userId: string;
  idempotencyKey: string;
  status: OrderStatus;
  items: { productId: string; quantity: number; name?: string; unitPriceCents?: number }[];
  totalCents: number;
  /** Set by the stale-order sweep on a pending order it is rolling back; such an order can no longer be confirmed. */
  abandonedAt?: Date;
  /** Set when a cancel starts; a cancel that dies half-way is finished by the sweep. */
  cancelRequestedAt?: Date;
  /** Set while one cancel is releasing the stock, so a concurrent cancel does not release it too; cleared when that release fails. */
  cancellingSince?: Date;
  /** Events written with the order's state changes and not yet published, oldest first (docs/events.md). */
  outbox?: OutboxEvent[];
  /** Set in the same write as every event pushed, cleared by the relay once the outbox is empty: what the relay looks for. */
  hasOutbox?: true;
  /** The relay round holding the order's events, and until when (another relay may take them after). */
  outboxLeaseToken?: string;
  outboxLeaseUntil?: Date;
  createdAt: Date;
  updatedAt: Date;
}

// Money and counts are whole numbers; the repository runs these validators on updates too.
const wholeNumber = {
  validator: (value: number) => Number.isSafeInteger(value),
  message: '{PATH} must be a whole number',
};

const lineSchema = new Schema(
  {
    productId: { type: String, required: true },
    quantity: { type: Number, required: true, min: 1, validate: wholeNumber },
    name: { type: String },
    unitPriceCents: { type: Number, min: 1, validate: wholeNumber },
  },
  { _id: false },
);

const outboxLineSchema = new Schema(
  {
    productId: { type: String, required: true },
    quantity: { type: Number, required: true },
    unitPriceCents: { type: Number },
  },
  { _id: false },
);

// Stored as it will be published (the domain checked it against the event schema when it built it).
const outboxEventSchema = new Schema(
  {
    id: { type: String, required: true },
    type: { type: String, enum: ORDER_EVENT_TYPES, required: true },
    version: { type: Number, required: true },
    time: { type: String, required: true },
    status: { type: String, enum: orderStatuses, required: true },
    lines: { type: [outboxLineSchema], required: true },
    totalCents: { type: Number, required: true },
    requestId: { type: String },
    traceId: { type: String },
  },
  { _id: false },
);

const orderSchema = new Schema<OrderDocument>(
  {
    userId: { type: String, required: true },
    idempotencyKey: { type: String, required: true },
    status: { type: String, enum: orderStatuses, required: true },
    items: { type: [lineSchema], required: true },
    // 0 only while pending (nothing priced yet); never negative.
    totalCents: { type: Number, required: true, min: 0, validate: wholeNumber },
    abandonedAt: { type: Date },
    cancelRequestedAt: { type: Date },
    cancellingSince: { type: Date },
    outbox: { type: [outboxEventSchema], default: undefined },
    hasOutbox: { type: Boolean },
    outboxLeaseToken: { type: String },
    outboxLeaseUntil: { type: Date },
  },
  { timestamps: true, versionKey: false },
);
// One order per key and user: the unique index is what makes a concurrent replay safe.
orderSchema.index({ userId: 1, idempotencyKey: 1 }, { unique: true });
orderSchema.index({ userId: 1, createdAt: -1 });
// The sweep looks for orders left pending since before a cut-off.
orderSchema.index({ status: 1, createdAt: 1 });
// The relay looks for orders with unpublished events whose lease is free. Not sparse or partial,
// which not every embedded engine supports; orders without events sit under one null key.
orderSchema.index({ hasOutbox: 1, outboxLeaseUntil: 1 });

/** The orders model on `connection` (one per connection: the order and outbox repositories share it). */
export function orderModelFor(connection: Connection): Model<OrderDocument> {
  return (
    (connection.models.Order as Model<OrderDocument> | undefined) ??
    connection.model<OrderDocument>('Order', orderSchema)
  );
}

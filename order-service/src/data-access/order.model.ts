import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { orderStatuses, type OrderStatus } from '../domain/order.js';

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
  },
  { timestamps: true, versionKey: false },
);
// One order per key and user: the unique index is what makes a concurrent replay safe.
orderSchema.index({ userId: 1, idempotencyKey: 1 }, { unique: true });
orderSchema.index({ userId: 1, createdAt: -1 });
// The sweep looks for orders left pending since before a cut-off.
orderSchema.index({ status: 1, createdAt: 1 });

export function orderModelFor(connection: Connection): Model<OrderDocument> {
  return connection.model<OrderDocument>('Order', orderSchema);
}

import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** An order's line for one product, as order events reported it; see SaleStore in domain/sale.ts. */
export interface SaleDocument {
  /** `<orderId>:<productId>`: its unique index is what makes one line per order and product. */
  _id: string;
  orderId: Types.ObjectId;
  productId: Types.ObjectId;
  quantity: number;
  /** The order.confirmed event that reported the confirmation; absent until one did. */
  confirmedBy?: string;
  /** The order.cancelled event that reported the cancellation; absent until one did. */
  cancelledBy?: string;
  /** Moves on with each recorded transition. */
  version: number;
  /** Once the version soldCount was last recounted after; no longer moved on (ADR 0006), always 0 on new lines. */
  countedVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

const wholeNumber = {
  validator: (value: number) => Number.isSafeInteger(value),
  message: '{PATH} must be a whole number',
};

const saleSchema = new Schema<SaleDocument>(
  {
    _id: { type: String, required: true },
    orderId: { type: Schema.Types.ObjectId, required: true },
    productId: { type: Schema.Types.ObjectId, required: true },
    quantity: { type: Number, required: true, min: 1, validate: wholeNumber },
    confirmedBy: { type: String },
    cancelledBy: { type: String },
    version: { type: Number, required: true, min: 0, validate: wholeNumber },
    countedVersion: { type: Number, required: true, min: 0, validate: wholeNumber },
  },
  { timestamps: true, strict: 'throw', versionKey: false },
);
// soldCount is recounted from one product's lines.
saleSchema.index({ productId: 1 });

export type SaleModel = Model<SaleDocument>;

export function saleModelFor(connection: Connection): SaleModel {
  return (
    (connection.models.Sale as SaleModel | undefined) ?? connection.model<SaleDocument>('Sale', saleSchema, 'sales')
  );
}

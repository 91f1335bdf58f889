import { maxCodePoints } from '@shop/shared/mongo';
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { HoldSource } from '../domain/product.js';

/** Units set aside for one order; see StockHold in domain/product.ts. */
export interface StockHoldDocument {
  orderId: Types.ObjectId;
  quantity: number;
  from: HoldSource;
  lease: string;
  at: Date;
}

export interface ProductDocument {
  name: string;
  description: string;
  priceCents: number;
  category: string;
  stock: number;
  /** Units committed to orders whose reservation completed and was not released. */
  sold: number;
  /** Only holds in flight: each is settled (to sold or back) when its reservation completes or is released. */
  holds: StockHoldDocument[];
  /** Units sold as order events report them (confirmed minus cancelled), recounted from the sales collection. */
  soldCount: number;
  /** Moves on with every write of soldCount: the compare-and-set of its recount. */
  soldCountVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

// Cents and units are whole numbers; the repository runs these validators on updates too.
const wholeNumber = {
  validator: (value: number) => Number.isSafeInteger(value),
  message: '{PATH} must be a whole number',
};

const holdSchema = new Schema<StockHoldDocument>(
  {
    orderId: { type: Schema.Types.ObjectId, required: true },
    quantity: { type: Number, required: true, min: 1, validate: wholeNumber },
    from: { type: String, required: true, enum: ['stock', 'sold'] },
    lease: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { _id: false },
);

const productSchema = new Schema<ProductDocument>(
  {
    name: { type: String, required: true, validate: maxCodePoints(200) },
    description: { type: String, default: '', validate: maxCodePoints(2000) },
    priceCents: { type: Number, required: true, min: 1, validate: wholeNumber },
    category: { type: String, required: true, validate: maxCodePoints(100) },
    stock: { type: Number, required: true, min: 0, validate: wholeNumber },
    sold: { type: Number, default: 0, min: 0, validate: wholeNumber },
    holds: { type: [holdSchema], default: [] },
    soldCount: { type: Number, default: 0, min: 0, validate: wholeNumber },
    soldCountVersion: { type: Number, default: 0, min: 0, validate: wholeNumber },
  },
  // strict 'throw': a field the schema does not know is a bug, not something to drop silently.
  { timestamps: true, strict: 'throw', versionKey: false },
);
productSchema.index({ category: 1, priceCents: 1 });
productSchema.index({ createdAt: -1, _id: -1 });
// sort=popular: most sold first, ties newest first.
productSchema.index({ soldCount: -1, _id: -1 });
// The sweep looks for holds placed before a cut-off.
productSchema.index({ 'holds.at': 1 });

export type ProductModel = Model<ProductDocument>;

export function productModelFor(connection: Connection): ProductModel {
  return (
    (connection.models.Product as ProductModel | undefined) ??
    connection.model<ProductDocument>('Product', productSchema, 'products')
  );
}

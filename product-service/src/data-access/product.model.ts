import { Schema, type Connection, type Model } from 'mongoose';

export interface ProductDocument {
  name: string;
  description: string;
  priceCents: number;
  category: string;
  stock: number;
  createdAt: Date;
  updatedAt: Date;
}

// Cents and units are whole numbers; the repository runs these validators on updates too.
const wholeNumber = { validator: (value: number) => Number.isSafeInteger(value), message: '{PATH} must be a whole number' };

const productSchema = new Schema<ProductDocument>(
  {
    name: { type: String, required: true, maxlength: 200 },
    description: { type: String, default: '', maxlength: 2000 },
    priceCents: { type: Number, required: true, min: 1, validate: wholeNumber },
    category: { type: String, required: true, maxlength: 100 },
    stock: { type: Number, required: true, min: 0, validate: wholeNumber },
  },
  // strict 'throw': a field the schema does not know is a bug, not something to drop silently.
  { timestamps: true, strict: 'throw', versionKey: false },
);
productSchema.index({ category: 1, priceCents: 1 });
productSchema.index({ createdAt: -1, _id: -1 });

export type ProductModel = Model<ProductDocument>;

export function productModel(connection: Connection): ProductModel {
  return (connection.models.Product as ProductModel | undefined) ?? connection.model<ProductDocument>('Product', productSchema, 'products');
}

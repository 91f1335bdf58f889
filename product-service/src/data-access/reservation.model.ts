import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { LineState, ReservationStatus } from '../domain/reservation.js';

export interface ReservationLineDocument {
  productId: Types.ObjectId;
  quantity: number;
  name?: string;
  unitPriceCents?: number;
  state: LineState;
  lease?: string;
}

export interface ReservationDocument {
  _id: Types.ObjectId;
  status: ReservationStatus;
  lease: string;
  items: ReservationLineDocument[];
  createdAt: Date;
  updatedAt: Date;
}

// Counts and cents are whole numbers; the repository runs these validators on updates too.
const wholeNumber = {
  validator: (value: number) => Number.isSafeInteger(value),
  message: '{PATH} must be a whole number',
};

const lineSchema = new Schema<ReservationLineDocument>(
  {
    productId: { type: Schema.Types.ObjectId, required: true },
    quantity: { type: Number, required: true, min: 1, validate: wholeNumber },
    name: { type: String },
    unitPriceCents: { type: Number, min: 1, validate: wholeNumber },
    state: { type: String, required: true, enum: ['open', 'sold', 'returning', 'moving', 'returned'], default: 'open' },
    lease: { type: String },
  },
  { _id: false },
);

// The order id is the _id: its unique index is what makes one reservation per order.
const reservationSchema = new Schema<ReservationDocument>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    status: { type: String, required: true, enum: ['pending', 'reserved', 'releasing', 'released'] },
    lease: { type: String, required: true },
    items: { type: [lineSchema], default: [] },
  },
  { timestamps: true, strict: 'throw', versionKey: false },
);
// The sweep looks for reservations stuck in pending or releasing since before a cut-off.
reservationSchema.index({ status: 1, updatedAt: 1 });

export type ReservationModel = Model<ReservationDocument>;

export function reservationModelFor(connection: Connection): ReservationModel {
  return (
    (connection.models.Reservation as ReservationModel | undefined) ??
    connection.model<ReservationDocument>('Reservation', reservationSchema, 'reservations')
  );
}

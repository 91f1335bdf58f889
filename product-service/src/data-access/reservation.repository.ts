import { isDuplicateKeyError } from '@shop/shared/core';
import { assertWholeNumber } from '@shop/shared/mongo';
import { Types, type Connection, type mongo } from 'mongoose';
import type { Reservation, ReservationLine, ReservationStore, ReservedLine } from '../domain/reservation.js';
import { reservationModelFor, type ReservationDocument } from './reservation.model.js';

function toReservation(doc: ReservationDocument): Reservation {
  return {
    orderId: doc._id.toString(),
    status: doc.status,
    // Reservations written before leases existed have none; no current call owns them.
    lease: doc.lease ?? '',
    items: doc.items.map((line) => ({
      productId: line.productId.toString(),
      quantity: line.quantity,
      ...(line.name === undefined ? {} : { name: line.name }),
      ...(line.unitPriceCents === undefined ? {} : { unitPriceCents: line.unitPriceCents }),
      state: line.state ?? 'open',
      ...(line.lease === undefined ? {} : { lease: line.lease }),
    })),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export interface ReservationRepository extends ReservationStore {
  /** Builds the indexes (the sweep's status and age); await before serving. */
  ensureIndexes(): Promise<void>;
}

/** Every update passes `runValidators: true`: mongoose checks updates against the schema only when asked. */
export function createReservationRepository(connection: Connection): ReservationRepository {
  const Reservations = reservationModelFor(connection);
  // The same collection, typed by its documents (mongoose types it by a generic document).
  const collection = Reservations.collection as unknown as mongo.Collection<ReservationDocument>;

  // The claim and markReserved are the order saga's hot path and go through the driver: mongoose's
  // document layer and update validators cost about 1 ms of CPU per write here. Ids are cast and
  // the schema's numeric checks made explicitly; timestamps are set as mongoose would.
  async function insert(
    orderId: string,
    status: 'pending' | 'released',
    lines: ReservationLine[],
    lease: string,
  ): Promise<boolean> {
    lines.forEach(({ quantity }, i) => assertWholeNumber(quantity, 1, `items.${i}.quantity`));
    const now = new Date();
    try {
      await collection.insertOne({
        _id: new Types.ObjectId(orderId),
        status,
        lease,
        items: lines.map(({ productId, quantity }) => ({
          productId: new Types.ObjectId(productId),
          quantity,
          state: 'open',
        })),
        createdAt: now,
        updatedAt: now,
      });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  const toMaybeReservation = (doc: ReservationDocument | null) => (doc === null ? null : toReservation(doc));

  return {
    async ensureIndexes() {
      await Reservations.init();
    },

    claim: (orderId, lines, lease) => insert(orderId, 'pending', lines, lease),

    insertTombstone: (orderId, lease) => insert(orderId, 'released', [], lease),

    async findById(orderId) {
      return toMaybeReservation(await Reservations.findById(orderId).lean<ReservationDocument>());
    },

    async removePending(orderId, lease) {
      await Reservations.deleteOne({ _id: orderId, status: 'pending', lease });
    },

    async markReserved(orderId, lease, lines: ReservedLine[]) {
      const items = lines.map(({ productId, quantity, name, unitPriceCents }, i) => {
        assertWholeNumber(quantity, 1, `items.${i}.quantity`);
        assertWholeNumber(unitPriceCents, 1, `items.${i}.unitPriceCents`);
        return {
          productId: new Types.ObjectId(productId),
          quantity,
          name,
          unitPriceCents,
          state: 'sold' as const,
          lease,
        };
      });
      const result = await collection.updateOne(
        { _id: new Types.ObjectId(orderId), status: 'pending', lease },
        { $set: { status: 'reserved', items, updatedAt: new Date() } },
      );
      return result.matchedCount === 1;
    },

    async claimRelease(orderId, lease) {
      const doc = await Reservations.findOneAndUpdate(
        { _id: orderId, status: 'reserved' },
        { $set: { status: 'releasing', lease } },
        { new: true, runValidators: true },
      ).lean<ReservationDocument>();
      return toMaybeReservation(doc);
    },

    async claimStale(olderThan, lease) {
      // Mongoose's timestamps set updatedAt to now in this same update: that is the takeover's lease time.
      const doc = await Reservations.findOneAndUpdate(
        { status: { $in: ['pending', 'releasing'] }, updatedAt: { $lt: olderThan } },
        { $set: { status: 'releasing', lease } },
        { new: true, runValidators: true, sort: { updatedAt: 1 } },
      ).lean<ReservationDocument>();
      return toMaybeReservation(doc);
    },

    async moveLine(orderId, lease, productId, from, to) {
      // The filter checks the line's current state; the array filter only picks the line by its
      // product id (unique per reservation), which every MongoDB-protocol server applies alike.
      const result = await Reservations.updateOne(
        {
          _id: orderId,
          status: 'releasing',
          lease,
          items: { $elemMatch: { productId, state: from.state, lease: from.lease } },
        },
        { $set: { 'items.$[line].state': to.state, 'items.$[line].lease': to.lease } },
        { runValidators: true, arrayFilters: [{ 'line.productId': productId }] },
      );
      return result.modifiedCount === 1;
    },

    async markReleased(orderId, lease) {
      const result = await Reservations.updateOne(
        { _id: orderId, status: 'releasing', lease },
        { $set: { status: 'released' } },
        { runValidators: true },
      );
      return result.matchedCount === 1;
    },
  };
}

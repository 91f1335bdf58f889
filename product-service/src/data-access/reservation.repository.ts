import { isDuplicateKeyError } from '@shop/shared';
import type { Connection } from 'mongoose';
import type { Reservation, ReservationLine, ReservationRepository, ReservedLine } from '../domain/reservation.js';
import { reservationModel, type ReservationDocument } from './reservation.model.js';

function toReservation(doc: ReservationDocument): Reservation {
  return {
    orderId: doc._id.toString(),
    status: doc.status,
    items: doc.items.map((line) => ({
      productId: line.productId.toString(),
      quantity: line.quantity,
      ...(line.name === undefined ? {} : { name: line.name }),
      ...(line.unitPriceCents === undefined ? {} : { unitPriceCents: line.unitPriceCents }),
    })),
    appliedProductIds: (doc.appliedProductIds ?? []).map(String),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** Every update passes `runValidators: true`: mongoose checks updates against the schema only when asked. */
export function createReservationRepository(connection: Connection): ReservationRepository {
  const Reservations = reservationModel(connection);

  async function insert(orderId: string, status: 'pending' | 'released', lines: ReservationLine[]): Promise<boolean> {
    try {
      await Reservations.create({ _id: orderId, status, items: lines.map(({ productId, quantity }) => ({ productId, quantity })) });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  return {
    claim: (orderId, lines) => insert(orderId, 'pending', lines),

    insertTombstone: (orderId) => insert(orderId, 'released', []),

    async findById(orderId) {
      const doc = await Reservations.findById(orderId).lean<ReservationDocument>();
      return doc === null ? null : toReservation(doc);
    },

    async recordApplied(orderId, productId) {
      const result = await Reservations.updateOne({ _id: orderId, status: 'pending' }, { $addToSet: { appliedProductIds: productId } }, { runValidators: true });
      return result.matchedCount === 1;
    },

    async withdrawApplied(orderId, productId) {
      const result = await Reservations.updateOne({ _id: orderId, appliedProductIds: productId }, { $pull: { appliedProductIds: productId } }, { runValidators: true });
      return result.modifiedCount === 1;
    },

    async removePending(orderId) {
      await Reservations.deleteOne({ _id: orderId, status: 'pending' });
    },

    async markReserved(orderId, lines: ReservedLine[]) {
      const result = await Reservations.updateOne({ _id: orderId, status: 'pending' }, { $set: { status: 'reserved', items: lines } }, { runValidators: true });
      return result.matchedCount === 1;
    },

    async claimRelease(orderId) {
      const doc = await Reservations.findOneAndUpdate({ _id: orderId, status: 'reserved' }, { $set: { status: 'releasing' } }, { new: true, runValidators: true }).lean<ReservationDocument>();
      return doc === null ? null : toReservation(doc);
    },

    async claimStale(olderThan) {
      // Mongoose's timestamps set updatedAt to now in this same update: that is the claim's lease.
      const doc = await Reservations.findOneAndUpdate(
        { status: { $in: ['pending', 'releasing'] }, updatedAt: { $lt: olderThan } },
        { $set: { status: 'releasing' } },
        { new: true, runValidators: true, sort: { updatedAt: 1 } },
      ).lean<ReservationDocument>();
      return doc === null ? null : toReservation(doc);
    },

    async markReleased(orderId) {
      await Reservations.updateOne({ _id: orderId, status: 'releasing' }, { $set: { status: 'released' } }, { runValidators: true });
    },
  };
}

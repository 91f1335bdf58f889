import { randomUUID } from 'node:crypto';
import type { AnyBulkWriteOperation, Connection, Model } from 'mongoose';
import type { OrderOutbox } from '../domain/order-outbox.js';
import { orderModelFor, type OrderDocument } from './order.model.js';

type ClaimedDocument = Pick<OrderDocument, '_id' | 'userId' | 'status' | 'outbox'>;

// The relay's bookkeeping is not a change of the order: `updatedAt`, which users see, stays.
const QUIETLY = { timestamps: false } as const;

/**
 * The relay's side of the orders collection: the outbox each order carries (`outbox`, `hasOutbox`)
 * and the lease a relay round holds on it. Only single-document updates, so it works on any
 * MongoDB-protocol server (no transactions).
 */
export function createOrderOutboxRepository(connection: Connection): OrderOutbox {
  const orders: Model<OrderDocument> = orderModelFor(connection);

  return {
    async claim(limit, leaseMs) {
      const token = randomUUID();
      const now = new Date();
      const isFree = {
        hasOutbox: true,
        $or: [{ outboxLeaseUntil: { $exists: false } }, { outboxLeaseUntil: { $lte: now } }],
      };
      const candidates = await orders.find(isFree, { _id: 1 }).limit(limit).lean<{ _id: OrderDocument['_id'] }[]>();
      if (candidates.length === 0) return { token, orders: [] };
      const ids = candidates.map((doc) => doc._id);
      // Conditional again: another relay may have taken some of them since the read.
      await orders.updateMany(
        { _id: { $in: ids }, ...isFree },
        { $set: { outboxLeaseToken: token, outboxLeaseUntil: new Date(now.getTime() + leaseMs) } },
        QUIETLY,
      );
      const claimed = await orders
        .find({ _id: { $in: ids }, outboxLeaseToken: token }, { userId: 1, status: 1, outbox: 1 })
        .lean<ClaimedDocument[]>();
      return {
        token,
        orders: claimed.map((doc) => ({
          orderId: doc._id.toHexString(),
          userId: doc.userId,
          status: doc.status,
          events: doc.outbox ?? [],
        })),
      };
    },

    async acknowledge(token, acknowledged) {
      if (acknowledged.length === 0) return;
      // One ordered bulk write, so one round trip when no order is dropped (the driver sends
      // consecutive updates as one command): first every $pull, then, filtered on an empty outbox,
      // the flag's removal, so an event pushed since the claim keeps the flag and the order is
      // claimed again next round. Ordered: the later steps run only after the pulls.
      await orders.bulkWrite(
        [
          ...acknowledged.map(({ orderId, eventIds }): AnyBulkWriteOperation<OrderDocument> => ({
            updateOne: {
              // Not conditional on the lease: these events were published whoever holds it now.
              filter: { _id: orderId },
              update: { $pull: { outbox: { id: { $in: eventIds } } } },
              timestamps: false,
            },
          })),
          ...acknowledged.flatMap(({ orderId, isDroppedWhenEmpty }): AnyBulkWriteOperation<OrderDocument>[] => [
            isDroppedWhenEmpty
              ? { deleteOne: { filter: { _id: orderId, status: 'expired', outbox: { $size: 0 } } } }
              : {
                  updateOne: {
                    filter: { _id: orderId, outbox: { $size: 0 } },
                    update: { $unset: { hasOutbox: 1 } },
                    timestamps: false,
                  },
                },
            {
              updateOne: {
                filter: { _id: orderId, outboxLeaseToken: token },
                update: { $unset: { outboxLeaseToken: 1, outboxLeaseUntil: 1 } },
                timestamps: false,
              },
            },
          ]),
        ],
        { ordered: true },
      );
    },

    async release(token, orderIds) {
      if (orderIds.length === 0) return;
      await orders.updateMany(
        { _id: { $in: orderIds }, outboxLeaseToken: token },
        { $unset: { outboxLeaseToken: 1, outboxLeaseUntil: 1 } },
        QUIETLY,
      );
    },

    async backlog() {
      const [totals] = await orders.aggregate<{ events: number; oldest: string | null }>([
        { $match: { hasOutbox: true } },
        { $project: { count: { $size: '$outbox' }, first: { $arrayElemAt: ['$outbox.time', 0] } } },
        { $group: { _id: null, events: { $sum: '$count' }, oldest: { $min: '$first' } } },
      ]);
      if (totals === undefined || totals.events === 0 || totals.oldest === null)
        return { events: 0, oldest: undefined };
      return { events: totals.events, oldest: new Date(totals.oldest) };
    },
  };
}

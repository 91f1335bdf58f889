import { isDuplicateKeyError } from '@shop/shared/core';
import type { Connection, FilterQuery, Model } from 'mongoose';
import type { Order, OrderStore } from '../domain/order.js';
import { orderModelFor, type OrderDocument } from './order.model.js';

export interface OrderRepository extends OrderStore {
  /** Builds the indexes (the unique idempotency key among them); await before serving. */
  ensureIndexes(): Promise<void>;
}

// Allowlist mapping: a field added to the document reaches callers only when added here.
function toOrder(doc: OrderDocument): Order {
  return {
    id: doc._id.toHexString(),
    userId: doc.userId,
    idempotencyKey: doc.idempotencyKey,
    status: doc.status,
    items: doc.items.map(({ productId, quantity, name, unitPriceCents }) => ({
      productId,
      quantity,
      name,
      unitPriceCents,
    })),
    totalCents: doc.totalCents,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/**
 * Every update passes `runValidators: true`: mongoose checks updates against the schema only when
 * asked, and the schema is what refuses a negative total or price whatever the caller did.
 */
export function createOrderRepository(connection: Connection): OrderRepository {
  const orders: Model<OrderDocument> = orderModelFor(connection);
  const toMaybeOrder = (doc: OrderDocument | null) => (doc === null ? null : toOrder(doc));

  return {
    async ensureIndexes() {
      await orders.init();
    },
    async insertPending({ userId, idempotencyKey, items }) {
      try {
        const created = await orders.create({ userId, idempotencyKey, items, status: 'pending', totalCents: 0 });
        return toOrder(created.toObject());
      } catch (error) {
        if (isDuplicateKeyError(error)) return null;
        throw error;
      }
    },
    async findById(id) {
      return toMaybeOrder(await orders.findById(id).lean<OrderDocument>());
    },
    async findByKey(userId, idempotencyKey) {
      return toMaybeOrder(await orders.findOne({ userId, idempotencyKey }).lean<OrderDocument>());
    },
    async confirm(id, items, totalCents) {
      const doc = await orders
        .findOneAndUpdate(
          { _id: id, status: 'pending', abandonedAt: { $exists: false } },
          { $set: { status: 'confirmed', items, totalCents } },
          { new: true, runValidators: true },
        )
        .lean<OrderDocument>();
      return toMaybeOrder(doc);
    },
    async transition(id, from, to) {
      const doc = await orders
        .findOneAndUpdate({ _id: id, status: from }, { $set: { status: to } }, { new: true, runValidators: true })
        .lean<OrderDocument>();
      return toMaybeOrder(doc);
    },
    async deletePending(id) {
      await orders.deleteOne({ _id: id, status: 'pending' });
    },
    async findStalePending(olderThan, limit) {
      const docs = await orders
        .find({ status: 'pending', createdAt: { $lt: olderThan } })
        .sort({ createdAt: 1 })
        .limit(limit)
        .lean<OrderDocument[]>();
      return docs.map(toOrder);
    },
    async abandonPending(id) {
      // Not conditional on abandonedAt: a round whose release failed marks the order again.
      const result = await orders.updateOne(
        { _id: id, status: 'pending' },
        { $set: { abandonedAt: new Date() } },
        { runValidators: true },
      );
      return result.matchedCount === 1;
    },
    async markCancelRequested(id) {
      const now = new Date();
      const result = await orders.updateOne(
        { _id: id, status: 'confirmed', cancellingSince: { $exists: false } },
        { $set: { cancelRequestedAt: now, cancellingSince: now } },
        { runValidators: true },
      );
      return result.matchedCount === 1;
    },
    async clearCancelInProgress(id) {
      await orders.updateOne({ _id: id, status: 'confirmed' }, { $unset: { cancellingSince: 1 } });
    },
    async findStaleCancels(olderThan, limit) {
      const docs = await orders
        .find({ status: 'confirmed', cancelRequestedAt: { $lt: olderThan } })
        .limit(limit)
        .lean<OrderDocument[]>();
      return docs.map(toOrder);
    },
    async list({ userId, status, page, limit }) {
      const filter: FilterQuery<OrderDocument> = {};
      if (userId !== undefined) filter.userId = userId;
      if (status !== undefined) filter.status = status;
      const [docs, total] = await Promise.all([
        orders
          .find(filter)
          .sort({ createdAt: -1, _id: -1 })
          .skip((page - 1) * limit)
          .limit(limit)
          .lean<OrderDocument[]>(),
        orders.countDocuments(filter),
      ]);
      return { items: docs.map(toOrder), total };
    },
    async countByStatus(status) {
      return orders.countDocuments({ status });
    },
  };
}

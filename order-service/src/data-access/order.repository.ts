import { isDuplicateKeyError } from '@shop/shared/core';
import { assertWholeNumber } from '@shop/shared/mongo';
import { Types, type Connection, type FilterQuery, type Model, type mongo } from 'mongoose';
import type { Order, OrderStore, OutboxEvent } from '../domain/order.js';
import { orderModelFor, type OrderDocument } from './order.model.js';

export interface OrderRepository extends OrderStore {
  /** Builds the indexes (the unique idempotency key among them); await before serving. */
  ensureIndexes(): Promise<void>;
}

export interface OrderRepositoryOptions {
  /** Told after each write that stored an event (to count it and wake the relay); never throws back into the write. */
  onEventWritten?: (event: OutboxEvent) => void;
}

// Every read users can reach leaves expired orders out: for them, such an order no longer exists.
const NOT_EXPIRED = { status: { $ne: 'expired' } } as const;

/**
 * An expired order's idempotency key: its own id after a space, which no client key can contain
 * (printable ASCII without spaces), so the client's key is free again and the unique index still holds.
 */
const expiredKey = (orderId: string) => `expired ${orderId}`;

// Allowlist mapping: a field added to the document reaches callers only when added here.
function toOrder(doc: OrderDocument): Order {
  // Reads filter expired orders out; this keeps the type honest if one ever slips through.
  if (doc.status === 'expired') throw new Error(`order ${doc._id.toHexString()} is expired and not readable`);
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
export function createOrderRepository(connection: Connection, options: OrderRepositoryOptions = {}): OrderRepository {
  const orders: Model<OrderDocument> = orderModelFor(connection);
  // The same collection, typed by its documents (mongoose types it by a generic document).
  const collection = orders.collection as unknown as mongo.Collection<OrderDocument>;
  const toMaybeOrder = (doc: OrderDocument | null) => (doc === null ? null : toOrder(doc));
  const written = (event: OutboxEvent) => {
    try {
      options.onEventWritten?.(event);
    } catch {
      // A listener's failure must not turn a stored change into an error answer.
    }
  };
  // The event goes in with the change, in the same single-document update.
  const withEvent = (event: OutboxEvent) => ({ $push: { outbox: event }, $set: { hasOutbox: true as const } });

  return {
    async ensureIndexes() {
      await orders.init();
    },
    // The saga's two writes go through the driver: mongoose's document layer, casting and update
    // validators cost about 1 ms of CPU each here, for values the use case built from checked
    // input. The schema's numeric checks are made explicitly; undefined fields are left out, as
    // mongoose would; timestamps are set as mongoose would.
    async insertPending({ userId, idempotencyKey, items, event }) {
      items.forEach(({ quantity }, i) => assertWholeNumber(quantity, 1, `items.${i}.quantity`));
      const now = new Date();
      const doc: OrderDocument = {
        _id: new Types.ObjectId(),
        userId,
        idempotencyKey,
        status: 'pending',
        items: items.map(({ productId, quantity }) => ({ productId, quantity })),
        totalCents: 0,
        outbox: [event],
        hasOutbox: true,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await collection.insertOne(doc, { ignoreUndefined: true });
      } catch (error) {
        if (isDuplicateKeyError(error)) return null;
        throw error;
      }
      written(event);
      return toOrder(doc);
    },
    async findById(id) {
      return toMaybeOrder(await orders.findOne({ _id: id, ...NOT_EXPIRED }).lean<OrderDocument>());
    },
    async findByKey(userId, idempotencyKey) {
      return toMaybeOrder(await orders.findOne({ userId, idempotencyKey, ...NOT_EXPIRED }).lean<OrderDocument>());
    },
    async confirm(id, items, totalCents, event) {
      items.forEach(({ quantity, unitPriceCents }, i) => {
        assertWholeNumber(quantity, 1, `items.${i}.quantity`);
        if (unitPriceCents !== undefined) assertWholeNumber(unitPriceCents, 1, `items.${i}.unitPriceCents`);
      });
      assertWholeNumber(totalCents, 0, 'totalCents');
      const lines = items.map(({ productId, quantity, name, unitPriceCents }) => ({
        productId,
        quantity,
        name,
        unitPriceCents,
      }));
      const doc = await collection.findOneAndUpdate(
        { _id: new Types.ObjectId(id), status: 'pending', abandonedAt: { $exists: false } },
        {
          $set: { hasOutbox: true, status: 'confirmed', items: lines, totalCents, updatedAt: new Date() },
          $push: { outbox: event },
        },
        { returnDocument: 'after', ignoreUndefined: true },
      );
      if (doc !== null) written(event);
      return toMaybeOrder(doc);
    },
    async transition(id, from, to, event) {
      const { $push, $set } = withEvent(event);
      const doc = await orders
        .findOneAndUpdate(
          { _id: id, status: from },
          { $set: { ...$set, status: to }, $push },
          { new: true, runValidators: true },
        )
        .lean<OrderDocument>();
      if (doc !== null) written(event);
      return toMaybeOrder(doc);
    },
    async expirePending(id, event) {
      const { $push, $set } = withEvent(event);
      const result = await orders.updateOne(
        { _id: id, status: 'pending' },
        { $set: { ...$set, status: 'expired', idempotencyKey: expiredKey(id) }, $push },
        { runValidators: true },
      );
      if (result.matchedCount !== 1) return false;
      written(event);
      return true;
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
      const filter: FilterQuery<OrderDocument> = { ...NOT_EXPIRED };
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

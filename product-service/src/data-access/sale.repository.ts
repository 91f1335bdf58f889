import { isDuplicateKeyError } from '@shop/shared/core';
import { assertWholeNumber } from '@shop/shared/mongo';
import { Types, type Connection, type mongo } from 'mongoose';
import type { RecordedSale, SaleChange, SaleStore } from '../domain/sale.js';
import { saleModelFor, type SaleDocument } from './sale.model.js';

export interface SaleRepository extends SaleStore {
  /** Builds the indexes (lines by product); await before consuming. */
  ensureIndexes(): Promise<void>;
}

const saleId = (orderId: string, productId: string) => `${orderId.toLowerCase()}:${productId.toLowerCase()}`;

// Two first reports of one line can race to create it; the loser's write then meets the line.
const MAX_ATTEMPTS = 3;

export function createSaleRepository(connection: Connection): SaleRepository {
  const Sales = saleModelFor(connection);
  // The same collection, typed by its documents. The consumer's writes go through the driver:
  // mongoose's casting and update validators cost about 1 ms of CPU per write for values built here.
  const collection = Sales.collection as unknown as mongo.Collection<SaleDocument>;

  return {
    async ensureIndexes() {
      await Sales.init();
    },

    async record({ orderId, productId, quantity, transition, eventId }: SaleChange): Promise<RecordedSale> {
      const _id = saleId(orderId, productId);
      const field = transition === 'confirmed' ? 'confirmedBy' : 'cancelledBy';
      assertWholeNumber(quantity, 1, 'quantity');
      for (let attempt = 1; ; attempt++) {
        try {
          // Creates the line if this is the first event about it, and records the transition,
          // in one write that matches only while the transition is not recorded yet.
          const now = new Date();
          const changed = await collection.findOneAndUpdate(
            { _id, [field]: { $exists: false } },
            {
              $set: { [field]: eventId, updatedAt: now },
              $inc: { version: 1 },
              $setOnInsert: {
                orderId: new Types.ObjectId(orderId),
                productId: new Types.ObjectId(productId),
                quantity,
                countedVersion: 0,
                createdAt: now,
              },
            },
            { upsert: true, returnDocument: 'after' },
          );
          if (changed === null) throw new Error(`the sale line ${_id} was not returned by its upsert`);
          return { isChanged: true, version: changed.version };
        } catch (error) {
          // The line exists with the transition recorded (the filter missed, so the upsert tried
          // to insert it again), or another first report created it a moment ago.
          if (!isDuplicateKeyError(error)) throw error;
          const line = await Sales.findById(_id).lean<SaleDocument>();
          if (line?.[field] !== undefined) {
            return { isChanged: false, version: line.version };
          }
          if (attempt >= MAX_ATTEMPTS) throw error;
        }
      }
    },

    async sumSoldUnits(productId) {
      const [row] = await Sales.aggregate<{ units: number }>([
        {
          $match: {
            productId: new Types.ObjectId(productId),
            confirmedBy: { $exists: true },
            cancelledBy: { $exists: false },
          },
        },
        { $group: { _id: null, units: { $sum: '$quantity' } } },
      ]);
      return row?.units ?? 0;
    },
  };
}

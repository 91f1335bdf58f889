import { isDuplicateKeyError } from '@shop/shared/core';
import { Types, type Connection } from 'mongoose';
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

  return {
    async ensureIndexes() {
      await Sales.init();
    },

    async record({ orderId, productId, quantity, transition, eventId }: SaleChange): Promise<RecordedSale> {
      const _id = saleId(orderId, productId);
      const field = transition === 'confirmed' ? 'confirmedBy' : 'cancelledBy';
      for (let attempt = 1; ; attempt++) {
        try {
          // Creates the line if this is the first event about it, and records the transition,
          // in one write that matches only while the transition is not recorded yet.
          const changed = await Sales.findOneAndUpdate(
            { _id, [field]: { $exists: false } },
            {
              $set: { [field]: eventId },
              $inc: { version: 1 },
              $setOnInsert: { orderId, productId, quantity, countedVersion: 0 },
            },
            { upsert: true, new: true, runValidators: true },
          ).lean<SaleDocument>();
          return { isChanged: true, version: changed.version, isCounted: false };
        } catch (error) {
          // The line exists with the transition recorded (the filter missed, so the upsert tried
          // to insert it again), or another first report created it a moment ago.
          if (!isDuplicateKeyError(error)) throw error;
          const line = await Sales.findById(_id).lean<SaleDocument>();
          if (line?.[field] !== undefined) {
            return { isChanged: false, version: line.version, isCounted: line.countedVersion === line.version };
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

    async markCounted(orderId, productId, version) {
      await Sales.updateOne({ _id: saleId(orderId, productId), version }, { $set: { countedVersion: version } });
    },
  };
}

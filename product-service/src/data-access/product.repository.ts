import { assertWholeNumber } from '@shop/shared/mongo';
import { Types, type Connection, type mongo } from 'mongoose';
import type {
  NewProduct,
  NewStockHold,
  Product,
  ProductChanges,
  ProductInventory,
  ProductListCriteria,
  ProductSortField,
  ProductStore,
  StockHold,
} from '../domain/product.js';
import { productModelFor, type ProductDocument, type StockHoldDocument } from './product.model.js';

const SORT_FIELDS: Record<ProductSortField, keyof ProductDocument> = {
  price: 'priceCents',
  name: 'name',
  createdAt: 'createdAt',
  soldCount: 'soldCount',
};

type StoredProduct = ProductDocument & { _id: { toString(): string } };

// The allowlist between storage and domain: a field added to the document does not reach a response.
function toProduct(doc: StoredProduct): Product {
  return {
    id: doc._id.toString(),
    name: doc.name,
    description: doc.description,
    priceCents: doc.priceCents,
    category: doc.category,
    stock: doc.stock,
    // Documents written before soldCount existed have none.
    soldCount: doc.soldCount ?? 0,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

function toStockHold(doc: StockHoldDocument): StockHold {
  return { orderId: doc.orderId.toString(), quantity: doc.quantity, from: doc.from, lease: doc.lease, at: doc.at };
}

// Documents written before holds existed have neither field.
const holdsOf = (doc: Partial<Pick<ProductDocument, 'holds'>>): StockHoldDocument[] => doc.holds ?? [];

function toInventory(doc: StoredProduct): ProductInventory {
  const holds = holdsOf(doc);
  return {
    productId: doc._id.toString(),
    stock: doc.stock,
    held: holds.reduce((sum, hold) => sum + hold.quantity, 0),
    sold: doc.sold ?? 0,
    holdCount: holds.length,
  };
}

export interface ProductRepository extends ProductStore {
  /** Builds the indexes (catalogue sorts, the sweep's hold age); await before serving. */
  ensureIndexes(): Promise<void>;
}

/** Every update passes `runValidators: true`: mongoose checks updates against the schema only when asked. */
export function createProductRepository(connection: Connection): ProductRepository {
  const Products = productModelFor(connection);
  // The same collection, typed by its documents (mongoose types it by a generic document).
  const collection = Products.collection as unknown as mongo.Collection<ProductDocument>;

  return {
    async ensureIndexes() {
      await Products.init();
    },

    async create(product: NewProduct) {
      const created = await Products.create(product);
      return toProduct(created.toObject());
    },

    async findById(id) {
      const doc = await Products.findById(id).lean<StoredProduct>();
      return doc === null ? null : toProduct(doc);
    },

    async list(criteria: ProductListCriteria) {
      const filter: Record<string, unknown> = {};
      if (criteria.category !== undefined) filter.category = criteria.category;
      if (criteria.minPriceCents !== undefined || criteria.maxPriceCents !== undefined) {
        filter.priceCents = {
          ...(criteria.minPriceCents === undefined ? {} : { $gte: criteria.minPriceCents }),
          ...(criteria.maxPriceCents === undefined ? {} : { $lte: criteria.maxPriceCents }),
        };
      }
      // _id breaks ties so pages are stable when many products share a price or a timestamp.
      const sort = { [SORT_FIELDS[criteria.sortField]]: criteria.sortDirection, _id: criteria.sortDirection };
      const [docs, total] = await Promise.all([
        Products.find(filter).sort(sort).skip(criteria.skip).limit(criteria.limit).lean<StoredProduct[]>(),
        Products.countDocuments(filter),
      ]);
      return { items: docs.map(toProduct), total };
    },

    async update(id, changes: ProductChanges) {
      const doc = await Products.findByIdAndUpdate(
        id,
        { $set: changes },
        { new: true, runValidators: true },
      ).lean<StoredProduct>();
      return doc === null ? null : toProduct(doc);
    },

    async adjustStock(id, delta) {
      // One conditional update: the check and the change cannot be split by a concurrent caller.
      // Mongoose's update validators do not look at $inc, so the filter is what keeps stock >= 0;
      // runValidators is still passed so that no update here goes unvalidated if it changes shape.
      if (!Number.isSafeInteger(delta)) throw new RangeError(`stock change must be a whole number, got ${delta}`);
      const filter = delta < 0 ? { _id: id, stock: { $gte: -delta } } : { _id: id };
      const doc = await Products.findOneAndUpdate(
        filter,
        { $inc: { stock: delta } },
        { new: true, runValidators: true },
      ).lean<StoredProduct>();
      return doc === null ? null : toProduct(doc);
    },

    // The hold operations below are each one conditional update of one document: the units move
    // and the hold appears or disappears in the same write, so no crash can split them, and the
    // guard on the hold makes a repeated or concurrent call apply once.

    // placeHold and settleHold are the order saga's hot path and go through the driver: mongoose's
    // casting and update validators cost about 1 ms of CPU per write here. The ids are cast and the
    // schema's checks on the hold made explicitly; updatedAt moves as mongoose's timestamps would.
    async placeHold(productId, { orderId, quantity, lease }: NewStockHold) {
      assertWholeNumber(quantity, 1, 'holds.quantity');
      const at = new Date();
      const order = new Types.ObjectId(orderId);
      const doc = await collection.findOneAndUpdate(
        { _id: new Types.ObjectId(productId), stock: { $gte: quantity }, 'holds.orderId': { $ne: order } },
        {
          $inc: { stock: -quantity },
          $push: { holds: { orderId: order, quantity, from: 'stock', lease, at } },
          $set: { updatedAt: at },
        },
        { returnDocument: 'after' },
      );
      if (doc === null) return null;
      return { product: toProduct(doc), hold: { orderId, quantity, from: 'stock', lease, at } };
    },

    async unsell(productId, { orderId, quantity, lease }: NewStockHold) {
      const result = await Products.updateOne(
        { _id: productId, sold: { $gte: quantity }, 'holds.orderId': { $ne: orderId } },
        { $inc: { sold: -quantity }, $push: { holds: { orderId, quantity, from: 'sold', lease, at: new Date() } } },
        { runValidators: true },
      );
      return result.modifiedCount === 1;
    },

    async settleHold(productId, { orderId, quantity, from, lease }: StockHold, to) {
      const order = new Types.ObjectId(orderId);
      const result = await collection.updateOne(
        { _id: new Types.ObjectId(productId), holds: { $elemMatch: { orderId: order, quantity, from, lease } } },
        { $pull: { holds: { orderId: order, lease } }, $inc: { [to]: quantity }, $set: { updatedAt: new Date() } },
      );
      return result.modifiedCount === 1;
    },

    async findHold(productId, orderId) {
      const doc = await Products.findById(productId, { holds: 1 }).lean<Pick<ProductDocument, 'holds'>>();
      const hold = doc === null ? undefined : holdsOf(doc).find((h) => h.orderId.toString() === orderId);
      return hold === undefined ? null : toStockHold(hold);
    },

    async findHoldsOlderThan(olderThan, limit) {
      const docs = await Products.find({ 'holds.at': { $lt: olderThan } }, { holds: 1 })
        .limit(limit)
        .lean<(Pick<ProductDocument, 'holds'> & { _id: { toString(): string } })[]>();
      return docs.flatMap((doc) =>
        holdsOf(doc)
          .filter((hold) => hold.at < olderThan)
          .map((hold) => ({ productId: doc._id.toString(), hold: toStockHold(hold) })),
      );
    },

    async findInventory(id) {
      const doc = await Products.findById(id).lean<StoredProduct>();
      return doc === null ? null : toInventory(doc);
    },

    async countOutOfStock() {
      return Products.countDocuments({ stock: { $lte: 0 } });
    },

    async findSoldCount(id) {
      const doc = await Products.findById(id, { soldCount: 1, soldCountVersion: 1 }).lean<
        Partial<Pick<ProductDocument, 'soldCount' | 'soldCountVersion'>>
      >();
      return doc === null ? null : { soldCount: doc.soldCount ?? 0, version: doc.soldCountVersion ?? 0 };
    },

    async setSoldCount(id, expectedVersion, soldCount) {
      // Version 0 is also a document from before soldCount existed, which has no version field.
      const version = expectedVersion === 0 ? { $in: [0, null] } : expectedVersion;
      assertWholeNumber(soldCount, 0, 'soldCount');
      // Through the driver like the holds (one write per line of every order event).
      const result = await collection.updateOne(
        // The driver's types have no null in $in; null there matches a missing field, as intended.
        { _id: new Types.ObjectId(id), soldCountVersion: version as mongo.Condition<number> },
        // A count kept up to date by events is not an edit of the product: updatedAt stays.
        { $set: { soldCount }, $inc: { soldCountVersion: 1 } },
      );
      return result.modifiedCount === 1;
    },
  };
}

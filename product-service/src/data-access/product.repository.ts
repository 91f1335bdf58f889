import type { Connection } from 'mongoose';
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

    async placeHold(productId, { orderId, quantity, lease }: NewStockHold) {
      const at = new Date();
      const doc = await Products.findOneAndUpdate(
        { _id: productId, stock: { $gte: quantity }, 'holds.orderId': { $ne: orderId } },
        { $inc: { stock: -quantity }, $push: { holds: { orderId, quantity, from: 'stock', lease, at } } },
        { new: true, runValidators: true },
      ).lean<StoredProduct>();
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
      const result = await Products.updateOne(
        { _id: productId, holds: { $elemMatch: { orderId, quantity, from, lease } } },
        { $pull: { holds: { orderId, lease } }, $inc: { [to]: quantity } },
        { runValidators: true },
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
      const result = await Products.updateOne(
        { _id: id, soldCountVersion: version },
        { $set: { soldCount }, $inc: { soldCountVersion: 1 } },
        // A count kept up to date by events is not an edit of the product: updatedAt stays.
        { runValidators: true, timestamps: false },
      );
      return result.modifiedCount === 1;
    },
  };
}

import type { Connection } from 'mongoose';
import type { NewProduct, Product, ProductChanges, ProductListCriteria, ProductRepository, ProductSortField } from '../domain/product.js';
import { productModel, type ProductDocument } from './product.model.js';

const SORT_FIELDS: Record<ProductSortField, keyof ProductDocument> = { price: 'priceCents', name: 'name', createdAt: 'createdAt' };

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
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** Every update passes `runValidators: true`: mongoose checks updates against the schema only when asked. */
export function createProductRepository(connection: Connection): ProductRepository {
  const Products = productModel(connection);

  return {
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
      const doc = await Products.findByIdAndUpdate(id, { $set: changes }, { new: true, runValidators: true }).lean<StoredProduct>();
      return doc === null ? null : toProduct(doc);
    },

    async adjustStock(id, delta) {
      // One conditional update: the check and the change cannot be split by a concurrent caller.
      // Mongoose's update validators do not look at $inc, so the filter is what keeps stock >= 0;
      // runValidators is still passed so that no update here goes unvalidated if it changes shape.
      if (!Number.isSafeInteger(delta)) throw new RangeError(`stock change must be a whole number, got ${delta}`);
      const filter = delta < 0 ? { _id: id, stock: { $gte: -delta } } : { _id: id };
      const doc = await Products.findOneAndUpdate(filter, { $inc: { stock: delta } }, { new: true, runValidators: true }).lean<StoredProduct>();
      return doc === null ? null : toProduct(doc);
    },

    async exists(id) {
      return (await Products.exists({ _id: id })) !== null;
    },
  };
}

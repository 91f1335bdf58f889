import { toCents, toPage, type Page } from '@shop/shared/core';
import { buildProductListCriteria } from './list-products.criteria.js';
import { toProductView, type ProductChanges, type ProductInventory, type ProductRepository, type ProductView } from './product.js';
import { InsufficientProductStockError, ProductNotFoundError } from './product.errors.js';
import type { CreateProductInput, ListProductsQuery, UpdateProductInput } from './product.schemas.js';

export interface ProductUseCases {
  listProducts(query: ListProductsQuery): Promise<Page<ProductView>>;
  getProduct(id: string): Promise<ProductView>;
  createProduct(input: CreateProductInput): Promise<ProductView>;
  updateProduct(id: string, input: UpdateProductInput): Promise<ProductView>;
  changeStock(id: string, quantity: number): Promise<ProductView>;
  /** Stock, held and sold units: for operators and the fault drills, never routed by the gateway. */
  getInventory(id: string): Promise<ProductInventory>;
}

export function createProductUseCases(products: ProductRepository): ProductUseCases {
  return {
    async listProducts(query) {
      const { items, total } = await products.list(buildProductListCriteria(query));
      return toPage(items.map(toProductView), total, query.page, query.limit);
    },

    async getProduct(id) {
      const product = await products.findById(id);
      if (product === null) throw new ProductNotFoundError(id);
      return toProductView(product);
    },

    async createProduct({ price, ...rest }) {
      return toProductView(await products.create({ ...rest, priceCents: toCents(price) }));
    },

    async updateProduct(id, { price, name, description, category }) {
      const changes: ProductChanges = {
        ...(name === undefined ? {} : { name }),
        ...(description === undefined ? {} : { description }),
        ...(category === undefined ? {} : { category }),
        ...(price === undefined ? {} : { priceCents: toCents(price) }),
      };
      const product = await products.update(id, changes);
      if (product === null) throw new ProductNotFoundError(id);
      return toProductView(product);
    },

    async changeStock(id, quantity) {
      const product = await products.adjustStock(id, quantity);
      if (product !== null) return toProductView(product);
      // The conditional update matched nothing: tell a missing product from a short one.
      if (!(await products.exists(id))) throw new ProductNotFoundError(id);
      throw new InsufficientProductStockError(id);
    },

    async getInventory(id) {
      const inventory = await products.findInventory(id);
      if (inventory === null) throw new ProductNotFoundError(id);
      return inventory;
    },
  };
}

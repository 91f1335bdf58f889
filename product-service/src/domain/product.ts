import { fromCents } from '@shop/shared';

/** A product as the domain sees it; money in integer cents. */
export interface Product {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  category: string;
  stock: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What the API returns: the decimal `price` clients speak, nothing else. */
export interface ProductView {
  id: string;
  name: string;
  description: string;
  price: number;
  category: string;
  stock: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewProduct {
  name: string;
  description: string;
  priceCents: number;
  category: string;
  stock: number;
}

export type ProductChanges = Partial<Pick<NewProduct, 'name' | 'description' | 'priceCents' | 'category'>>;

export const productSortFields = ['price', 'name', 'createdAt'] as const;
export type ProductSortField = (typeof productSortFields)[number];

/** A storage-neutral description of one page of the catalogue. */
export interface ProductListCriteria {
  category?: string;
  minPriceCents?: number;
  maxPriceCents?: number;
  sortField: ProductSortField;
  sortDirection: 1 | -1;
  skip: number;
  limit: number;
}

/** The port the use cases need; data-access/product.repository.ts implements it on MongoDB. */
export interface ProductRepository {
  create(product: NewProduct): Promise<Product>;
  findById(id: string): Promise<Product | null>;
  list(criteria: ProductListCriteria): Promise<{ items: Product[]; total: number }>;
  update(id: string, changes: ProductChanges): Promise<Product | null>;
  /**
   * Adds `delta` to the stock in one atomic update; a decrease only applies while the stock
   * covers it. Returns null when nothing matched (missing product or not enough stock).
   */
  adjustStock(id: string, delta: number): Promise<Product | null>;
  exists(id: string): Promise<boolean>;
}

export function toProductView(product: Product): ProductView {
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    price: fromCents(product.priceCents),
    category: product.category,
    stock: product.stock,
    createdAt: product.createdAt.toISOString(),
    updatedAt: product.updatedAt.toISOString(),
  };
}

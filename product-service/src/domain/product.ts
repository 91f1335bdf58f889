/** A product as the domain sees it; money in integer cents. */
export interface Product {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  category: string;
  stock: number;
  /** Units sold: confirmed minus cancelled, as order events report them (apply-order-event.use-case.ts). */
  soldCount: number;
  createdAt: Date;
  updatedAt: Date;
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
/** What a page can be sorted by: a field a client names, or units sold (`sort=popular`). */
export type ProductSortField = (typeof productSortFields)[number] | 'soldCount';

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

/** Where a hold's units came from, and so where they go back if the hold is not settled as planned. */
export type HoldSource = 'stock' | 'sold';

/**
 * Units of one product set aside for one order, recorded on the product document itself in the
 * same atomic update that took them from `stock` (a reservation) or from `sold` (a release of a
 * completed one). At most one per order and product. `lease` names the call that placed it.
 */
export interface StockHold {
  orderId: string;
  quantity: number;
  from: HoldSource;
  lease: string;
  at: Date;
}

export type NewStockHold = Pick<StockHold, 'orderId' | 'quantity' | 'lease'>;

/**
 * A product's units: `stock` (for sale), `held` (in holds), `sold` (committed to orders whose
 * reservation completed and was not released). stock + held + sold changes only by admin stock changes.
 */
export interface ProductInventory {
  productId: string;
  stock: number;
  held: number;
  sold: number;
  /** How many holds the product document carries (orders whose units are in flight). */
  holdCount: number;
}

/** What the use cases need from storage; data-access/product.repository.ts implements it on MongoDB. */
export interface ProductStore {
  create(product: NewProduct): Promise<Product>;
  findById(id: string): Promise<Product | null>;
  list(criteria: ProductListCriteria): Promise<{ items: Product[]; total: number }>;
  update(id: string, changes: ProductChanges): Promise<Product | null>;
  /**
   * Adds `delta` to the stock in one atomic update; a decrease only applies while the stock
   * covers it. Returns null when nothing matched (missing product or not enough stock).
   */
  adjustStock(id: string, delta: number): Promise<Product | null>;
  /**
   * stock -> a hold for the order, in one atomic update guarded by `stock >= quantity` and "this
   * order holds nothing here yet", so a repeated call takes nothing twice. Returns the product
   * (for its name and price) and the hold, or null when the product is missing, short, or
   * already held for the order.
   */
  placeHold(productId: string, hold: NewStockHold): Promise<{ product: Product; hold: StockHold } | null>;
  /**
   * sold -> a hold for the order (the first step of giving back units of a completed reservation),
   * guarded like placeHold; false when `sold` is short or the order already has a hold here.
   */
  unsell(productId: string, hold: NewStockHold): Promise<boolean>;
  /**
   * Removes exactly this hold and adds its units to `to`, in one atomic update; false when the
   * hold is not there (someone settled it already), so each hold is settled once.
   */
  settleHold(productId: string, hold: StockHold, to: HoldSource): Promise<boolean>;
  /** The order's hold on the product, or null (no hold, or no product). */
  findHold(productId: string, orderId: string): Promise<StockHold | null>;
  /** Holds placed before `olderThan`, from at most `limit` products. */
  findHoldsOlderThan(olderThan: Date, limit: number): Promise<{ productId: string; hold: StockHold }[]>;
  findInventory(id: string): Promise<ProductInventory | null>;
  /** How many products have no unit left to sell (for the out-of-stock gauge). */
  countOutOfStock(): Promise<number>;
  /** The product's soldCount and the version it was written at, or null when there is no such product. */
  findSoldCount(id: string): Promise<{ soldCount: number; version: number } | null>;
  /**
   * Sets soldCount and moves its version on, only while the version is still `expectedVersion`
   * (compare-and-set); false when another write came first or there is no such product.
   */
  setSoldCount(id: string, expectedVersion: number, soldCount: number): Promise<boolean>;
}

import { setTimeout as sleep } from 'node:timers/promises';

/** A product a drill created, with the stock it started with. */
export interface DrillProduct {
  id: string;
  initialStock: number;
}

export interface ProductBalance {
  productId: string;
  initialStock: number;
  stock: number;
  /** Units of this product in confirmed orders. */
  confirmedUnits: number;
  /** Units that exist twice: sold and still (or again) in stock. Must be 0 at all times. */
  oversold: number;
  /** Units neither in stock nor sold: held by a reservation that was never released. Must be 0 once sweeps ran. */
  leaked: number;
}

export interface StockReport {
  products: ProductBalance[];
  oversold: number;
  leaked: number;
  confirmedOrders: number;
}

export interface InvariantSources {
  productServiceUrl: string;
  orderServiceUrl: string;
  adminToken: string;
}

interface OrderPage {
  items: { status: string; items: { productId: string; quantity: number }[] }[];
  totalPages: number;
}

async function getJson<T>(url: string, token: string): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * Units per product in confirmed orders, read through order-service as an admin (every page);
 * `orders` counts the confirmed orders with a line for one of `productIds`.
 */
export async function confirmedUnits(
  sources: InvariantSources,
  productIds: ReadonlySet<string>,
): Promise<{ units: Map<string, number>; orders: number }> {
  const units = new Map<string, number>();
  let orders = 0;
  for (let page = 1; ; page++) {
    const body = await getJson<OrderPage>(
      `${sources.orderServiceUrl}/orders?status=confirmed&limit=100&page=${page}`,
      sources.adminToken,
    );
    for (const order of body.items) {
      if (order.status !== 'confirmed') continue;
      if (order.items.some((line) => productIds.has(line.productId))) orders++;
      for (const line of order.items) units.set(line.productId, (units.get(line.productId) ?? 0) + line.quantity);
    }
    if (page >= body.totalPages || body.items.length === 0) break;
  }
  return { units, orders };
}

/** For every product: stock + units in confirmed orders = initial stock. */
export async function checkStock(sources: InvariantSources, products: DrillProduct[]): Promise<StockReport> {
  const { units, orders } = await confirmedUnits(sources, new Set(products.map((p) => p.id)));
  const balances: ProductBalance[] = [];
  for (const product of products) {
    const { stock } = await getJson<{ stock: number }>(
      `${sources.productServiceUrl}/products/${product.id}`,
      sources.adminToken,
    );
    const confirmed = units.get(product.id) ?? 0;
    balances.push({
      productId: product.id,
      initialStock: product.initialStock,
      stock,
      confirmedUnits: confirmed,
      oversold: Math.max(0, stock + confirmed - product.initialStock),
      leaked: Math.max(0, product.initialStock - stock - confirmed),
    });
  }
  return {
    products: balances,
    oversold: balances.reduce((sum, b) => sum + b.oversold, 0),
    leaked: balances.reduce((sum, b) => sum + b.leaked, 0),
    confirmedOrders: orders,
  };
}

/**
 * Checks until nothing is leaked (the sweeps have released every abandoned reservation) or the
 * time is up, and returns the last report; `settledMs` is how long that took. Oversold units never
 * heal, so a report with any is returned at once.
 */
export async function waitForBalancedStock(
  sources: InvariantSources,
  products: DrillProduct[],
  timeoutMs: number,
): Promise<StockReport & { settledMs: number }> {
  const startedAt = Date.now();
  for (;;) {
    const report = await checkStock(sources, products);
    if (report.oversold > 0 || report.leaked === 0 || Date.now() - startedAt > timeoutMs)
      return { ...report, settledMs: Date.now() - startedAt };
    await sleep(250);
  }
}

/** What product-service's internal inventory route answers for one product. */
export interface Inventory {
  stock: number;
  held: number;
  sold: number;
  holdCount: number;
}

/** Reads every product's inventory straight from product-service (admin token; not routed by the gateway). */
export async function readInventories(
  sources: InvariantSources,
  products: DrillProduct[],
): Promise<Map<string, Inventory>> {
  const inventories = new Map<string, Inventory>();
  for (const product of products) {
    inventories.set(
      product.id,
      await getJson<Inventory>(`${sources.productServiceUrl}/products/${product.id}/inventory`, sources.adminToken),
    );
  }
  return inventories;
}

/** One product's units as both services see them. */
export interface LedgerBalance extends ProductBalance {
  held: number;
  sold: number;
  holdCount: number;
  /** stock + held + sold - initial: what a crash lost (< 0) or made up (> 0) inside product-service; must be 0 at every moment. */
  drift: number;
}

export interface LedgerReport extends StockReport {
  products: LedgerBalance[];
  held: number;
  /** Products whose sold units differ from the units in their confirmed orders. */
  soldMismatches: number;
}

/**
 * For every product: the stock balance of checkStock, where units still held count as neither
 * lost nor oversold (stock + held + confirmed = initial), plus product-service's own ledger
 * (stock + held + sold = initial) and whether its sold units match the confirmed orders.
 */
export async function checkLedger(sources: InvariantSources, products: DrillProduct[]): Promise<LedgerReport> {
  const { units, orders } = await confirmedUnits(sources, new Set(products.map((p) => p.id)));
  const inventories = await readInventories(sources, products);
  const balances: LedgerBalance[] = products.map((product) => {
    const inventory = inventories.get(product.id) ?? { stock: 0, held: 0, sold: 0, holdCount: 0 };
    const confirmed = units.get(product.id) ?? 0;
    const accounted = inventory.stock + inventory.held + confirmed;
    return {
      productId: product.id,
      initialStock: product.initialStock,
      stock: inventory.stock,
      confirmedUnits: confirmed,
      oversold: Math.max(0, accounted - product.initialStock),
      leaked: Math.max(0, product.initialStock - accounted),
      held: inventory.held,
      sold: inventory.sold,
      holdCount: inventory.holdCount,
      drift: inventory.stock + inventory.held + inventory.sold - product.initialStock,
    };
  });
  return {
    products: balances,
    oversold: balances.reduce((sum, b) => sum + b.oversold, 0),
    leaked: balances.reduce((sum, b) => sum + b.leaked, 0),
    held: balances.reduce((sum, b) => sum + b.held, 0),
    soldMismatches: balances.filter((b) => b.sold !== b.confirmedUnits).length,
    confirmedOrders: orders,
  };
}

/**
 * Checks until the sweeps of both services have settled everything (nothing lost or oversold,
 * nothing held, sold = confirmed) or the time is up; returns the last report and how long it took.
 */
export async function waitForSettledLedger(
  sources: InvariantSources,
  products: DrillProduct[],
  timeoutMs: number,
): Promise<LedgerReport & { settledMs: number }> {
  const startedAt = Date.now();
  for (;;) {
    const report = await checkLedger(sources, products);
    const isSettled = report.oversold === 0 && report.leaked === 0 && report.held === 0 && report.soldMismatches === 0;
    if (isSettled || Date.now() - startedAt > timeoutMs) return { ...report, settledMs: Date.now() - startedAt };
    await sleep(250);
  }
}

import type { ConsumeOutcome, OrderEvent, OrderEventLine } from '@shop/shared/events';
import type { ProductStore } from './product.js';
import type { SaleStore, SaleTransition } from './sale.js';

export interface ApplyOrderEventDeps {
  products: ProductStore;
  sales: SaleStore;
}

const TRANSITIONS: Partial<Record<OrderEvent['type'], SaleTransition>> = {
  'order.confirmed': 'confirmed',
  'order.cancelled': 'cancelled',
};

// Each try loses only to a recount of the same product that finished meanwhile; a redelivery retries.
const MAX_RECOUNTS = 10;

/** One line per product (quantities summed), ids in one spelling. */
function linesByProduct(lines: OrderEventLine[]): Map<string, number> {
  const quantities = new Map<string, number>();
  for (const { productId, quantity } of lines) {
    const id = productId.toLowerCase();
    quantities.set(id, (quantities.get(id) ?? 0) + quantity);
  }
  return quantities;
}

/**
 * Keeps each product's soldCount equal to the units of its order lines that were confirmed and
 * not cancelled, whatever the order, number and concurrency of deliveries:
 *
 * - The event's fact is recorded on the order's line for the product (sale.ts) in one
 *   single-document write guarded by "not recorded yet": it is an idempotent state change, not a
 *   count, so a redelivery, a replay of the whole stream or a second consumer changes nothing.
 *   A cancel seen before (or without) its confirm leaves the line uncounted, never negative.
 * - soldCount is then recounted from the lines (never incremented) and written by
 *   compare-and-set on its version. The last write to succeed read the version after every
 *   earlier successful write, and counted after that, so after each line change it counts that
 *   change: no double count, no lost count, with no multi-document transaction.
 * - A line is marked counted only after that write; a crash in between leaves it unmarked, and
 *   the redelivered event (not acknowledged either) recounts.
 *
 * order.placed and order.expired change nothing sold.
 */
export async function applyOrderEvent(deps: ApplyOrderEventDeps, event: OrderEvent): Promise<ConsumeOutcome> {
  const transition = TRANSITIONS[event.type];
  if (transition === undefined) return 'ignored';
  const orderId = event.orderId.toLowerCase();
  let isApplied = false;
  for (const [productId, quantity] of linesByProduct(event.lines)) {
    const sale = await deps.sales.record({ orderId, productId, quantity, transition, eventId: event.id });
    isApplied ||= sale.isChanged;
    if (sale.isCounted) continue;
    await recountSold(deps, productId);
    await deps.sales.markCounted(orderId, productId, sale.version);
  }
  return isApplied ? 'applied' : 'duplicate';
}

/** Sets the product's soldCount to the units its lines say were sold (nothing when there is no such product). */
async function recountSold({ products, sales }: ApplyOrderEventDeps, productId: string): Promise<void> {
  for (let attempt = 1; attempt <= MAX_RECOUNTS; attempt++) {
    // The version first, the sum after: the order the argument above relies on.
    const current = await products.findSoldCount(productId);
    if (current === null) return;
    const units = await sales.sumSoldUnits(productId);
    if (await products.setSoldCount(productId, current.version, units)) return;
  }
  throw new Error(`soldCount of product ${productId} changed under ${MAX_RECOUNTS} recounts in a row`);
}

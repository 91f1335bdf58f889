import type { ConsumeOutcome, OrderEvent, OrderEventLine } from '@shop/shared/events';
import type { ProductStore } from './product.js';
import type { SaleStore, SaleTransition } from './sale.js';

export interface ApplyOrderEventDeps {
  products: ProductStore;
  sales: SaleStore;
  /** The soldCount versions this consumer wrote last; without it every recount reads the version first. */
  knownVersions?: SoldCountVersions;
}

/**
 * The soldCount version each product was left at by this process's own last successful write,
 * for the most recently written products (bounded; the oldest is forgotten first). A recount can
 * start from it instead of reading the version: see recountSold.
 */
export class SoldCountVersions {
  private readonly versions = new Map<string, number>();

  constructor(private readonly maxEntries = 10_000) {}

  get(productId: string): number | undefined {
    return this.versions.get(productId);
  }

  set(productId: string, version: number): void {
    this.versions.delete(productId);
    this.versions.set(productId, version);
    if (this.versions.size > this.maxEntries) this.versions.delete(this.versions.keys().next().value ?? '');
  }

  forget(productId: string): void {
    this.versions.delete(productId);
  }
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
 * - A redelivered event whose lines are all recorded already still recounts them: a crash
 *   between the record and the recount leaves the event unacknowledged, and its redelivery is
 *   what counts the line. (Lines are not marked "counted": that took one more write per line of
 *   every event to spare a recount on rare redeliveries; ADR 0006.)
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
    await recountSold(deps, productId);
  }
  return isApplied ? 'applied' : 'duplicate';
}

/**
 * Sets the product's soldCount to the units its lines say were sold (nothing when there is no such
 * product). The version comes first, the sum after: read, or, on the first try, the version this
 * process's own last write left (knownVersions). If the compare-and-set succeeds with that one, no
 * write came between that write and this one, so the sum, taken after both, still counts every
 * line recorded before any successful write: the argument above holds without the read. If another
 * write came in between, the compare-and-set fails and the next try reads.
 */
async function recountSold({ products, sales, knownVersions }: ApplyOrderEventDeps, productId: string): Promise<void> {
  for (let attempt = 1; attempt <= MAX_RECOUNTS; attempt++) {
    let version = attempt === 1 ? knownVersions?.get(productId) : undefined;
    if (version === undefined) {
      const current = await products.findSoldCount(productId);
      if (current === null) return;
      version = current.version;
    }
    const units = await sales.sumSoldUnits(productId);
    if (await products.setSoldCount(productId, version, units)) {
      knownVersions?.set(productId, version + 1);
      return;
    }
    knownVersions?.forget(productId);
  }
  throw new Error(`soldCount of product ${productId} changed under ${MAX_RECOUNTS} recounts in a row`);
}

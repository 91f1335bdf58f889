import type { OrderLine, PricedLine } from './order.js';
import { UpstreamInvalidResponseError } from './order.errors.js';

/** Lines for the same product are merged, and lines are kept in a stable order (by product id). */
export function normalizeLines(lines: OrderLine[]): OrderLine[] {
  const quantities = new Map<string, number>();
  for (const { productId, quantity } of lines) {
    const id = productId.toLowerCase();
    quantities.set(id, (quantities.get(id) ?? 0) + quantity);
  }
  return [...quantities.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([productId, quantity]) => ({ productId, quantity }));
}

/** Whether two normalized line lists ask for the same thing (an idempotent replay). */
export function isSameRequest(a: OrderLine[], b: OrderLine[]): boolean {
  return (
    a.length === b.length &&
    a.every((line, i) => line.productId === b[i]?.productId && line.quantity === b[i]?.quantity)
  );
}

export function totalCents(lines: { quantity: number; unitPriceCents: number }[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
}

/** Longest product name product-service accepts; a longer one cannot be a real answer. */
const MAX_NAME_LENGTH = 200;

function isPositiveWholeCents(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/**
 * What product-service reserved must be exactly what was asked: the same products, each once,
 * with the same quantities, a name, and a price in positive whole cents; and the total must be
 * exact. Another service is not trusted to get this right, so anything else throws
 * UpstreamInvalidResponseError (the caller releases the reservation). Returns the lines in the
 * requested order and spelling, with the name and price product-service quoted.
 */
export function matchReservedLines(requested: OrderLine[], reserved: readonly PricedLine[]): PricedLine[] {
  const problems: string[] = [];
  const byId = new Map<string, PricedLine>();
  for (const line of reserved) {
    const id = typeof line.productId === 'string' ? line.productId.toLowerCase() : String(line.productId);
    if (byId.has(id)) problems.push(`product ${id} answered twice`);
    else byId.set(id, line);
  }
  const wanted = new Set(requested.map((line) => line.productId.toLowerCase()));
  for (const id of byId.keys()) if (!wanted.has(id)) problems.push(`product ${id} was not asked for`);

  const matched: PricedLine[] = [];
  for (const { productId, quantity } of requested) {
    const line = byId.get(productId.toLowerCase());
    if (line === undefined) {
      problems.push(`product ${productId} is missing`);
      continue;
    }
    if (line.quantity !== quantity)
      problems.push(`product ${productId}: quantity ${String(line.quantity)}, asked ${quantity}`);
    if (!isPositiveWholeCents(line.unitPriceCents))
      problems.push(`product ${productId}: unit price ${String(line.unitPriceCents)} is not positive whole cents`);
    if (typeof line.name !== 'string' || line.name.length === 0 || line.name.length > MAX_NAME_LENGTH)
      problems.push(`product ${productId}: invalid name`);
    matched.push({ productId, quantity, name: line.name, unitPriceCents: line.unitPriceCents });
  }
  if (problems.length === 0 && !Number.isSafeInteger(totalCents(matched)))
    problems.push('the total is too large to be exact');
  if (problems.length > 0) throw new UpstreamInvalidResponseError('product-service', problems.slice(0, 10));
  return matched;
}

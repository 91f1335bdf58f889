import type { OrderLine } from './order.types.js';

/** Lines for the same product are merged, and lines are kept in a stable order (by product id). */
export function normalizeLines(lines: OrderLine[]): OrderLine[] {
  const quantities = new Map<string, number>();
  for (const { productId, quantity } of lines) {
    const id = productId.toLowerCase();
    quantities.set(id, (quantities.get(id) ?? 0) + quantity);
  }
  return [...quantities.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([productId, quantity]) => ({ productId, quantity }));
}

/** Whether two normalized line lists ask for the same thing (an idempotent replay). */
export function isSameRequest(a: OrderLine[], b: OrderLine[]): boolean {
  return a.length === b.length && a.every((line, i) => line.productId === b[i]?.productId && line.quantity === b[i]?.quantity);
}

export function totalCents(lines: { quantity: number; unitPriceCents: number }[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
}

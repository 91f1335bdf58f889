import { randomUUID } from 'node:crypto';
import { AppError, CircuitOpenError, type Logger } from '@shop/shared/core';
import type { StockReservations } from './stock-reservations.js';
import type { UserDirectory } from './user-directory.js';
import type { OrderStore } from './order.js';
import { rejectionReason, type OrderMetrics } from './order-metrics.js';
import { IdempotencyKeyReusedError, OrderInProgressError, UpstreamInvalidResponseError } from './order.errors.js';
import { isSameRequest, matchReservedLines, normalizeLines, totalCents } from './order-lines.js';
import { orderConfirmed, orderExpired, orderPlaced } from './order-events.js';
import type { Order, OrderLine } from './order.js';

export interface PlaceOrderDeps {
  orders: OrderStore;
  users: UserDirectory;
  stock: StockReservations;
  logger: Logger;
  orderMetrics: OrderMetrics;
}

export interface PlaceOrderInput {
  userId: string;
  /** The client's `Idempotency-Key`; without one, a fresh key (the order is then placed once per request). */
  idempotencyKey?: string | undefined;
  items: OrderLine[];
}

export interface PlaceOrderResult {
  order: Order;
  /** False when the key was seen before and the earlier order is returned. */
  isNew: boolean;
}

// A 4xx from product-service is a definite "no": nothing was reserved. Anything else
// (timeout, 5xx, connection lost) may have reserved stock whose answer never arrived.
// "In progress" is the exception: an earlier attempt with this order id (a retried call) is
// still taking stock and may succeed, so it must be released, or failing that swept.
function mayHaveReserved(error: unknown): boolean {
  if (error instanceof OrderInProgressError) return true;
  // An open breaker that stopped the very first attempt sent nothing: there is nothing to release.
  if (error instanceof CircuitOpenError) return error.wasRequestSent;
  // An invalid answer (502 UPSTREAM.INVALID_RESPONSE) lands here too: it came with a 2xx, so stock may be held.
  return !(error instanceof AppError && error.status >= 400 && error.status < 500);
}

/** Places an order (the saga below) and reports the outcome and its duration to the metrics. */
export async function placeOrder(deps: PlaceOrderDeps, request: PlaceOrderInput): Promise<PlaceOrderResult> {
  const started = performance.now();
  const elapsedSeconds = () => (performance.now() - started) / 1000;
  try {
    const result = await runSaga(deps, request);
    if (result.isNew) deps.orderMetrics.placed(result.order, elapsedSeconds());
    return result;
  } catch (error) {
    deps.orderMetrics.rejected(rejectionReason(error), elapsedSeconds());
    throw error;
  }
}

/**
 * The order saga (ARCHITECTURE.md): claim the idempotency key with a pending order,
 * confirm the user, reserve stock keyed by the order id, then confirm the order.
 * Any failure after the reservation may exist releases it (compensation).
 */
async function runSaga(deps: PlaceOrderDeps, request: PlaceOrderInput): Promise<PlaceOrderResult> {
  const { orders, users, stock, logger } = deps;
  const input = { ...request, idempotencyKey: request.idempotencyKey ?? randomUUID() };
  const items = normalizeLines(input.items);

  try {
    stock.assertAvailable();
  } catch (error) {
    // Fail fast without writing anything, but an order placed earlier with this key is still answered.
    const existing = await orders.findByKey(input.userId, input.idempotencyKey);
    if (existing === null || existing.status === 'pending') throw error;
    return replay(orders, input, items);
  }

  const pending = await orders.insertPending({
    userId: input.userId,
    idempotencyKey: input.idempotencyKey,
    items,
    event: orderPlaced(items),
  });
  if (pending === null) return replay(orders, input, items);

  const abandon = async (error: unknown, releaseFirst: boolean): Promise<never> => {
    try {
      if (releaseFirst) await stock.release(pending.id);
      // Expired, not deleted: its key is freed and order.expired follows order.placed to consumers.
      await orders.expirePending(pending.id, orderExpired(pending));
    } catch (compensationError) {
      // The pending order stays, so the reservation can still be found and released later.
      logger.error({ err: compensationError, orderId: pending.id }, 'compensation failed; order left pending');
    }
    throw error;
  };

  let priced;
  let isReserveSent = false; // a failed user check never reached product-service: nothing to release
  try {
    await users.assertUserExists(input.userId);
    isReserveSent = true;
    // Whatever product-service answered is checked against what was asked before it is kept.
    priced = matchReservedLines(items, await stock.reserve(pending.id, items));
  } catch (error) {
    if (isReserveSent && error instanceof UpstreamInvalidResponseError) {
      // A 2xx we cannot use: stock may be held for this order, so it is released (a 502 "may have reserved").
      logger.warn(
        { err: error, orderId: pending.id, problems: error.problems },
        'product-service answered an invalid reservation; releasing it',
      );
    }
    return abandon(error, isReserveSent && mayHaveReserved(error));
  }

  try {
    const total = totalCents(priced);
    const confirmed = await orders.confirm(pending.id, priced, total, orderConfirmed(priced, total));
    if (confirmed === null) throw new Error(`pending order ${pending.id} vanished before confirmation`);
    return { order: confirmed, isNew: true };
  } catch (error) {
    // The write may have been applied before it failed. Give the stock back only if the order is
    // provably still pending (marked atomically); if it was confirmed, answer with it.
    if (await orders.abandonPending(pending.id).catch(() => false)) return abandon(error, true);
    const stored = await orders.findById(pending.id).catch(() => null);
    if (stored?.status === 'confirmed') return { order: stored, isNew: true };
    throw error; // state unknown: a pending order is left for the sweep, a confirmed one keeps its stock
  }
}

async function replay(
  orders: OrderStore,
  input: PlaceOrderInput & { idempotencyKey: string },
  items: OrderLine[],
): Promise<PlaceOrderResult> {
  const existing = await orders.findByKey(input.userId, input.idempotencyKey);
  // Gone between the insert and this read: the earlier attempt failed and freed the key.
  if (existing === null || existing.status === 'pending') throw new OrderInProgressError();
  if (!isSameRequest(normalizeLines(existing.items), items)) throw new IdempotencyKeyReusedError();
  return { order: existing, isNew: false };
}

import { AppError } from '@shop/shared/core';
import type { Order } from './order.js';

/**
 * Why an order was not placed, in a fixed set, so a metric labelled with it stays bounded
 * whatever the error. Read from the answer's stable code (docs/errors.md).
 */
export type RejectionReason =
  | 'validation'
  | 'insufficient_stock'
  | 'unknown_product'
  | 'user_unknown'
  | 'user_disabled'
  | 'idempotency_key_reused'
  | 'in_progress'
  | 'upstream_unavailable'
  | 'upstream_invalid'
  | 'internal';

const REASON_BY_CODE: Record<string, RejectionReason> = {
  'REQUEST.VALIDATION_FAILED': 'validation',
  'STOCK.INSUFFICIENT': 'insufficient_stock',
  'PRODUCT.NOT_FOUND': 'unknown_product',
  'USER.NOT_FOUND': 'user_unknown',
  'USER.DISABLED': 'user_disabled',
  'ORDER.IDEMPOTENCY_KEY_REUSED': 'idempotency_key_reused',
  'ORDER.IN_PROGRESS': 'in_progress',
  'ORDER.RESERVATION_CONFLICT': 'in_progress',
  'UPSTREAM.ERROR': 'upstream_unavailable',
  'UPSTREAM.UNAVAILABLE': 'upstream_unavailable',
  'UPSTREAM.TIMEOUT': 'upstream_unavailable',
  'UPSTREAM.CIRCUIT_OPEN': 'upstream_unavailable',
  'UPSTREAM.INVALID_RESPONSE': 'upstream_invalid',
};

export function rejectionReason(error: unknown): RejectionReason {
  if (!(error instanceof AppError)) return 'internal';
  if (error.status === 400) return 'validation';
  return REASON_BY_CODE[error.code] ?? 'internal';
}

/** What order-service reports about its business (the port; `../metrics.ts` is the Prometheus side). */
export interface OrderMetrics {
  /** A new order was confirmed `sagaSeconds` after its placement began (a replay is not counted again). */
  placed(order: Order, sagaSeconds: number): void;
  /** An order request was refused or failed; `sagaSeconds` when the saga had started. */
  rejected(reason: RejectionReason, sagaSeconds?: number): void;
  cancelled(order: Order): void;
}

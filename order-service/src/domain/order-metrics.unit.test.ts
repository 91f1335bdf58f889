import {
  AppError,
  CircuitOpenError,
  ConflictError,
  UpstreamError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  ValidationError,
} from '@shop/shared/core';
import { describe, expect, it } from 'vitest';
import { rejectionReason } from './order-metrics';
import {
  IdempotencyKeyReusedError,
  InsufficientStockError,
  OrderInProgressError,
  UnknownProductError,
  UnknownUserError,
  UpstreamInvalidResponseError,
  UserDisabledError,
} from './order.errors';

describe('why an order was rejected, as a metric label', () => {
  it.each([
    ['validation', new ValidationError('bad body')],
    ['validation', new AppError('REQUEST.MALFORMED_JSON', 400, 'not JSON')],
    ['insufficient_stock', new InsufficientStockError('short', 'p')],
    ['unknown_product', new UnknownProductError('missing', 'p')],
    ['user_unknown', new UnknownUserError()],
    ['user_disabled', new UserDisabledError()],
    ['idempotency_key_reused', new IdempotencyKeyReusedError()],
    ['in_progress', new OrderInProgressError()],
    ['in_progress', new ConflictError('ORDER.RESERVATION_CONFLICT', 'conflict')],
    ['upstream_unavailable', new UpstreamError('product-service', 500, 'INTERNAL', {})],
    ['upstream_unavailable', new UpstreamUnavailableError('product-service', new Error('refused'))],
    ['upstream_unavailable', new UpstreamTimeoutError('product-service', new Error('slow'))],
    ['upstream_unavailable', new CircuitOpenError('product-service', 5)],
    ['upstream_invalid', new UpstreamInvalidResponseError('product-service', ['dropped a line'])],
    ['internal', new AppError('SOMETHING.NEW', 500, 'unforeseen')],
    ['internal', new Error('a bug')],
    ['internal', 'not even an error'],
  ])('%s for %s', (reason, error) => {
    expect(rejectionReason(error)).toBe(reason);
  });
});

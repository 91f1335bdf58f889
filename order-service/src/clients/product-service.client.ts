import { ConflictError, UpstreamError, objectIdSchema, priceSchema, toCents } from '@shop/shared/core';
import { type ServiceClient } from '@shop/shared/service-client';
import { z } from 'zod';
import {
  InsufficientStockError,
  OrderInProgressError,
  UnknownProductError,
  UpstreamInvalidResponseError,
} from '../domain/order.errors.js';
import type { StockReservations } from '../domain/stock-reservations.js';

const TARGET = 'product-service';

// product-service's answers are checked, not trusted: a wrong type, a price that is not a
// positive decimal with at most two places, or an answer for another order is refused here;
// whether the lines are the ones asked for is checked by the saga (matchReservedLines).
// Unknown extra fields are dropped, so product-service may add some without breaking us.
const reservationAnswerSchema = z.object({
  orderId: objectIdSchema,
  status: z.literal('reserved'),
  items: z
    .array(
      z.object({
        productId: objectIdSchema,
        name: z.string().min(1).max(200),
        quantity: z.number().int().min(1),
        unitPrice: priceSchema,
      }),
    )
    .min(1),
});

const releaseAnswerSchema = z.object({ orderId: objectIdSchema, status: z.literal('released') });

/** The parsed answer, if it is valid and about this order; UpstreamInvalidResponseError otherwise. */
function parseAnswer<T extends { orderId: string }>(schema: z.ZodType<T>, answer: unknown, orderId: string): T {
  const parsed = schema.safeParse(answer);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 10)
      .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    throw new UpstreamInvalidResponseError(TARGET, problems);
  }
  if (parsed.data.orderId.toLowerCase() !== orderId.toLowerCase())
    throw new UpstreamInvalidResponseError(TARGET, [`answered for order ${parsed.data.orderId}`]);
  return parsed.data;
}

// A refusal's detail and productId reach our client's answer, so they are checked too: anything
// that is not a plain short text or a product id is replaced or left out.
const refusalSchema = z.object({
  detail: z.string().max(500).catch('The reservation was refused'),
  productId: objectIdSchema.optional().catch(undefined),
});

function mapReservationError(error: unknown): unknown {
  if (!(error instanceof UpstreamError)) return error;
  const { detail, productId } = refusalSchema.parse(error.problem);
  switch (error.upstreamCode) {
    case 'STOCK.INSUFFICIENT':
      return new InsufficientStockError(detail, productId);
    case 'PRODUCT.NOT_FOUND':
      return new UnknownProductError(detail, productId);
    case 'RESERVATION.IN_PROGRESS':
      return new OrderInProgressError();
    case 'RESERVATION.RELEASED':
    case 'RESERVATION.MISMATCH':
      return new ConflictError('ORDER.RESERVATION_CONFLICT', detail);
    default:
      return error;
  }
}

export function createProductServiceClient(http: ServiceClient, authorization: () => string): StockReservations {
  return {
    assertAvailable: () => http.assertCircuitClosed(),
    async reserve(orderId, items) {
      try {
        const answer = await http.request<unknown>({
          method: 'POST',
          path: '/reservations',
          body: { orderId, items },
          headers: { authorization: authorization(), 'idempotency-key': orderId },
        });
        const reservation = parseAnswer(reservationAnswerSchema, answer, orderId);
        return reservation.items.map(({ productId, name, quantity, unitPrice }) => ({
          productId,
          name,
          quantity,
          unitPriceCents: toCents(unitPrice),
        }));
      } catch (error) {
        throw mapReservationError(error);
      }
    },
    async release(orderId) {
      try {
        const answer = await http.request<unknown>({
          method: 'POST',
          path: `/reservations/${encodeURIComponent(orderId)}/release`,
          headers: { authorization: authorization(), 'idempotency-key': `release-${orderId}` },
        });
        // Only a clear "released" counts: anything else leaves the order for the sweep to retry.
        parseAnswer(releaseAnswerSchema, answer, orderId);
      } catch (error) {
        throw mapReservationError(error);
      }
    },
  };
}

import { ConflictError, UpstreamError, toCents, type ServiceClient } from '@shop/shared';
import { InsufficientStockError, OrderInProgressError, UnknownProductError } from '../domain/order.errors.js';
import type { OrderLine, PricedLine } from '../domain/order.types.js';

export interface StockReservations {
  /** Reserves every line or none; the order id is the idempotency key. */
  reserve(orderId: string, items: OrderLine[]): Promise<PricedLine[]>;
  /** Gives the stock back; safe to repeat. */
  release(orderId: string): Promise<void>;
  /** Throws at once (503) while product-service's circuit is open: no reservation could succeed. */
  assertAvailable(): void;
}

interface ReservationResponse {
  items: { productId: string; name: string; quantity: number; unitPrice: number }[];
}

function mapReservationError(error: unknown): unknown {
  if (!(error instanceof UpstreamError)) return error;
  const detail = error.problem.detail ?? 'The reservation was refused';
  switch (error.upstreamCode) {
    case 'STOCK.INSUFFICIENT':
      return new InsufficientStockError(detail, error.problem.productId);
    case 'PRODUCT.NOT_FOUND':
      return new UnknownProductError(detail, error.problem.productId);
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
        const reservation = await http.request<ReservationResponse>({
          method: 'POST',
          path: '/reservations',
          body: { orderId, items },
          headers: { authorization: authorization(), 'idempotency-key': orderId },
        });
        return reservation.items.map(({ productId, name, quantity, unitPrice }) => ({ productId, name, quantity, unitPriceCents: toCents(unitPrice) }));
      } catch (error) {
        throw mapReservationError(error);
      }
    },
    async release(orderId) {
      try {
        await http.request({
          method: 'POST',
          path: `/reservations/${encodeURIComponent(orderId)}/release`,
          headers: { authorization: authorization(), 'idempotency-key': `release-${orderId}` },
        });
      } catch (error) {
        throw mapReservationError(error);
      }
    },
  };
}

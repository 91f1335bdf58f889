import { CircuitOpenError, UpstreamError, UpstreamTimeoutError, UpstreamUnavailableError } from '@shop/shared/core';
import { newId } from '@shop/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProductServiceClient } from '../src/clients/product-service.client';
import type { StockReservations } from '../src/domain/stock-reservations';
import {
  InsufficientStockError,
  OrderInProgressError,
  UnknownProductError,
  UpstreamInvalidResponseError,
} from '../src/domain/order.errors';
import { refusingUrl, startHttpStub, type HttpStub, type StubReply } from './http-stub';
import { honestReservation, releasedAnswer, type ReserveRequest } from './product-service-stub';
import { IMPATIENT, failureOf, testServiceClient, type TestServiceClient } from './upstream-client';

// order-service's real product-service client, through a real ServiceClient, against a real HTTP
// server answering as product-service would (or would not): its error mapping is what is tested.

let stub: HttpStub;
let client: TestServiceClient;
let stock: StockReservations;

function connect(baseUrl: string, overrides: Parameters<typeof testServiceClient>[2] = {}): void {
  client?.http.close();
  client = testServiceClient('product-service', baseUrl, overrides);
  stock = createProductServiceClient(client.http, () => 'Bearer service-token');
}

/** Answers reserve calls with `reserve` and release calls with `release`. */
function answer({
  reserve,
  release,
}: {
  reserve?: (request: ReserveRequest) => StubReply;
  release?: (orderId: string) => StubReply;
}): void {
  stub.reply = (request) => {
    const releaseOf = /^\/reservations\/([^/]+)\/release$/.exec(request.url)?.[1];
    if (releaseOf !== undefined) return (release ?? releasedAnswer)(releaseOf);
    return (reserve ?? ((r) => ({ status: 201, json: honestReservation(r) })))(request.body as ReserveRequest);
  };
}

const refusal = (
  status: number,
  code: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): StubReply => ({
  status,
  json: { status, code, detail: `refused: ${code}`, ...extra },
  headers,
});

beforeEach(async () => {
  stub = await startHttpStub();
  answer({});
  connect(stub.url);
});

afterEach(async () => {
  client.http.close();
  await stub.close();
});

describe('product-service client: reserve', () => {
  const orderId = newId();
  const lamp = newId();
  const items = [{ productId: lamp, quantity: 2 }];

  it('when product-service reserves, the lines come back priced in cents; the call carries the order id as idempotency key and the service token', async () => {
    await expect(stock.reserve(orderId, items)).resolves.toEqual([
      { productId: lamp, name: 'Desk lamp', quantity: 2, unitPriceCents: 1999 },
    ]);

    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]).toMatchObject({
      method: 'POST',
      url: '/reservations',
      body: { orderId, items },
      headers: { 'idempotency-key': orderId, authorization: 'Bearer service-token' },
    });
  });

  it.each<[string, StubReply]>([
    ['a body that is not JSON', { status: 201, raw: '<html>proxy error</html>' }],
    ['the reservation of another order', { status: 201, json: honestReservation({ orderId: newId(), items }) }],
    [
      'a status other than reserved',
      { status: 201, json: { ...honestReservation({ orderId, items }), status: 'pending' } },
    ],
    [
      'a price that is not whole cents',
      {
        status: 201,
        json: {
          orderId,
          status: 'reserved',
          items: [{ productId: lamp, name: 'Lamp', quantity: 2, unitPrice: 1.001 }],
        },
      },
    ],
  ])(
    'when product-service answers 2xx with %s, reserve fails with 502 UPSTREAM.INVALID_RESPONSE and is not retried',
    async (_label, reply) => {
      answer({ reserve: () => reply });

      const error = await failureOf(stock.reserve(orderId, items));

      expect(error).toBeInstanceOf(UpstreamInvalidResponseError);
      expect(error).toMatchObject({ status: 502, code: 'UPSTREAM.INVALID_RESPONSE' });
      expect(stub.requests).toHaveLength(1);
    },
  );

  it('when stock is short (409 STOCK.INSUFFICIENT), reserve fails with 409 STOCK.INSUFFICIENT naming the product, not retried', async () => {
    answer({
      reserve: () => refusal(409, 'STOCK.INSUFFICIENT', { detail: 'Not enough stock for "Lamp"', productId: lamp }),
    });

    const error = await failureOf(stock.reserve(orderId, items));

    expect(error).toBeInstanceOf(InsufficientStockError);
    expect(error).toMatchObject({
      status: 409,
      code: 'STOCK.INSUFFICIENT',
      message: 'Not enough stock for "Lamp"',
      extensions: { productId: lamp },
    });
    expect(stub.requests).toHaveLength(1);
  });

  it('when a product does not exist (404 PRODUCT.NOT_FOUND), reserve fails with 422 PRODUCT.NOT_FOUND', async () => {
    answer({ reserve: () => refusal(404, 'PRODUCT.NOT_FOUND', { productId: lamp }) });

    const error = await failureOf(stock.reserve(orderId, items));

    expect(error).toBeInstanceOf(UnknownProductError);
    expect(error).toMatchObject({ status: 422, code: 'PRODUCT.NOT_FOUND', extensions: { productId: lamp } });
    expect(stub.requests).toHaveLength(1);
  });

  it('when an earlier call for this order is still reserving (409 RESERVATION.IN_PROGRESS), reserve fails with 409 ORDER.IN_PROGRESS, not retried', async () => {
    answer({ reserve: () => refusal(409, 'RESERVATION.IN_PROGRESS', { orderId }, { 'Retry-After': '1' }) });

    const error = await failureOf(stock.reserve(orderId, items));

    expect(error).toBeInstanceOf(OrderInProgressError);
    expect(error).toMatchObject({ status: 409, code: 'ORDER.IN_PROGRESS' });
    expect(stub.requests).toHaveLength(1);
  });

  it.each(['RESERVATION.RELEASED', 'RESERVATION.MISMATCH'])(
    'when the order id is spent (409 %s), reserve fails with 409 ORDER.RESERVATION_CONFLICT',
    async (code) => {
      answer({ reserve: () => refusal(409, code, { orderId }) });

      await expect(stock.reserve(orderId, items)).rejects.toMatchObject({
        status: 409,
        code: 'ORDER.RESERVATION_CONFLICT',
      });
    },
  );

  it('when product-service answers 429 with Retry-After, reserve waits that long and repeats the same call with the same key', async () => {
    answer({
      reserve: (r) =>
        stub.requests.length === 1
          ? refusal(429, 'RATE_LIMITED', {}, { 'Retry-After': '1' })
          : { status: 201, json: honestReservation(r) },
    });
    const started = Date.now();

    await expect(stock.reserve(orderId, items)).resolves.toHaveLength(1);

    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(stub.requests).toHaveLength(2);
    expect(stub.requests[1]).toMatchObject({ body: stub.requests[0]!.body, headers: { 'idempotency-key': orderId } });
  });

  it('when product-service answers 500, reserve fails with 502 (upstream 500) and is not retried', async () => {
    answer({ reserve: () => refusal(500, 'INTERNAL') });

    const error = await failureOf(stock.reserve(orderId, items));

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 502, code: 'UPSTREAM.ERROR', upstreamStatus: 500 });
    expect(stub.requests).toHaveLength(1);
  });

  it.each([502, 503, 504])(
    'when product-service answers %i every time, reserve is tried three times with the same key, then fails with 502 naming it',
    async (status) => {
      answer({ reserve: () => refusal(status, 'GATEWAY') });

      const error = await failureOf(stock.reserve(orderId, items));

      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ status: 502, code: 'UPSTREAM.ERROR', upstreamStatus: status });
      expect(stub.requests.map((r) => r.headers['idempotency-key'])).toEqual([orderId, orderId, orderId]);
    },
  );

  it('when product-service never answers, reserve times out three times, then fails with 504 UPSTREAM.TIMEOUT', async () => {
    connect(stub.url, IMPATIENT);
    answer({ reserve: () => 'no-answer' });

    const error = await failureOf(stock.reserve(orderId, items));

    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error).toMatchObject({ status: 504, code: 'UPSTREAM.TIMEOUT' });
    expect(stub.requests).toHaveLength(3);
  });

  it('when the connection drops in the middle of the answer, reserve is retried with the same key, then fails with 503 UPSTREAM.UNAVAILABLE', async () => {
    answer({ reserve: () => 'drop' });

    const error = await failureOf(stock.reserve(orderId, items));

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ status: 503, code: 'UPSTREAM.UNAVAILABLE' });
    expect(stub.requests.map((r) => r.headers['idempotency-key'])).toEqual([orderId, orderId, orderId]);
  });

  it('when the connection is refused, reserve is retried, then fails with 503 UPSTREAM.UNAVAILABLE', async () => {
    connect(await refusingUrl());

    const error = await failureOf(stock.reserve(orderId, items));

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ status: 503, code: 'UPSTREAM.UNAVAILABLE', cause: { code: 'ECONNREFUSED' } });
    expect(await client.attempts()).toBe(3);
  });
});

describe('product-service client: release', () => {
  const orderId = newId();

  it('when product-service releases, release resolves; the call carries its own idempotency key', async () => {
    await expect(stock.release(orderId)).resolves.toBeUndefined();

    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]).toMatchObject({
      method: 'POST',
      url: `/reservations/${orderId}/release`,
      headers: { 'idempotency-key': `release-${orderId}`, authorization: 'Bearer service-token' },
    });
  });

  it.each<[string, StubReply]>([
    ['a body that is not JSON', { status: 200, raw: 'OK' }],
    ['another order', { status: 200, json: { orderId: newId(), status: 'released' } }],
    ['a status other than released', { status: 200, json: { orderId, status: 'reserved' } }],
  ])(
    'when product-service answers 2xx with %s, release fails with 502 UPSTREAM.INVALID_RESPONSE (nothing is taken as released)',
    async (_label, reply) => {
      answer({ release: () => reply });

      await expect(stock.release(orderId)).rejects.toMatchObject({ status: 502, code: 'UPSTREAM.INVALID_RESPONSE' });
    },
  );

  it('when the reservation is busy (409 RESERVATION.IN_PROGRESS), release fails with 409 ORDER.IN_PROGRESS', async () => {
    answer({ release: () => refusal(409, 'RESERVATION.IN_PROGRESS', { orderId }, { 'Retry-After': '1' }) });

    await expect(stock.release(orderId)).rejects.toBeInstanceOf(OrderInProgressError);
    expect(stub.requests).toHaveLength(1);
  });

  it('when product-service answers 503 once, release is repeated with the same key and succeeds', async () => {
    answer({ release: (id) => (stub.requests.length === 1 ? refusal(503, 'DOWN') : releasedAnswer(id)) });

    await expect(stock.release(orderId)).resolves.toBeUndefined();
    expect(stub.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      `release-${orderId}`,
      `release-${orderId}`,
    ]);
  });

  it('when the connection drops in the middle of the answer, release is retried, then fails with 503 UPSTREAM.UNAVAILABLE', async () => {
    answer({ release: () => 'drop' });

    await expect(stock.release(orderId)).rejects.toMatchObject({ status: 503, code: 'UPSTREAM.UNAVAILABLE' });
    expect(stub.requests).toHaveLength(3);
  });
});

describe('product-service client: the breaker', () => {
  it("while product-service's circuit is open, assertAvailable throws 503 UPSTREAM.CIRCUIT_OPEN and reserve sends nothing", async () => {
    connect(stub.url, { retries: 0, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } });
    answer({ reserve: () => refusal(503, 'DOWN') });
    expect(() => stock.assertAvailable()).not.toThrow();
    for (let i = 0; i < 2; i++) await failureOf(stock.reserve(newId(), [{ productId: newId(), quantity: 1 }]));

    expect(() => stock.assertAvailable()).toThrow(CircuitOpenError);
    const error = await failureOf(stock.reserve(newId(), [{ productId: newId(), quantity: 1 }]));

    expect(error).toMatchObject({
      status: 503,
      code: 'UPSTREAM.CIRCUIT_OPEN',
      wasRequestSent: false,
      headers: { 'Retry-After': '60' },
    });
    expect(stub.requests).toHaveLength(2);
  });
});

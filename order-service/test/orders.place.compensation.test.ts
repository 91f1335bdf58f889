import { CircuitOpenError } from '@shop/shared/core';
import { bearer, newId, testLogger, unique } from '@shop/test-support';
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StockReservations } from '../src/domain/stock-reservations';
import { placeOrder } from '../src/domain/place-order.use-case';
import { captureLogs } from './captured-logs';
import { createHarnessWithProductServiceAt } from './harness';
import { refusingUrl, type StubReply } from './http-stub';
import {
  honestReservation,
  releasedAnswer,
  startProductServiceStub,
  type ProductServiceStub,
  type ReserveRequest,
} from './product-service-stub';

// When placing an order fails at product-service, order-service must give the stock back
// exactly when a reservation may exist: a definite "no" (4xx) took nothing, anything without
// a clear answer (5xx, timeout, lost connection) or "still in progress" may have taken some.
// product-service is a real HTTP server here, met by order-service's real client.

const { logger, lines: logLines } = captureLogs();
let stub: ProductServiceStub;
let h: Awaited<ReturnType<typeof createHarnessWithProductServiceAt>>;
beforeAll(async () => {
  stub = await startProductServiceStub();
  h = await createHarnessWithProductServiceAt(stub.url, { logger, client: { timeoutMs: 1000, deadlineMs: 2000 } });
});
afterAll(async () => {
  await h?.close();
  await stub?.close();
});
beforeEach(() => {
  stub.answerReserve = (reservation) => ({ status: 201, json: honestReservation(reservation) });
  stub.answerRelease = releasedAnswer;
});

const refusal = (status: number, code: string, headers: Record<string, string> = {}): StubReply => ({
  status,
  json: { status, code, detail: `refused: ${code}` },
  headers,
});

async function place(userId: string): Promise<{ res: Response; orderId: string | undefined }> {
  const res = await request(h.app)
    .post('/orders')
    .set(bearer('user', userId))
    .send({ items: [{ productId: newId(), quantity: 1 }] });
  const reserves = stub.reservesFor(res.headers['x-request-id'] as string);
  return { res, orderId: (reserves[0]?.body as ReserveRequest | undefined)?.orderId };
}

const statusesOf = async (userId: string) =>
  (await request(h.app).get('/orders').set(bearer('user', userId))).body.items.map((o: { status: string }) => o.status);

describe('POST /orders when product-service fails the reservation', () => {
  it.each<[string, StubReply, number, string]>([
    [
      'an earlier call for the order is still reserving (409 RESERVATION.IN_PROGRESS)',
      refusal(409, 'RESERVATION.IN_PROGRESS', { 'Retry-After': '1' }),
      409,
      'ORDER.IN_PROGRESS',
    ],
    ['it answers 500', refusal(500, 'INTERNAL'), 502, 'UPSTREAM.ERROR'],
    ['it answers 503', refusal(503, 'DOWN'), 502, 'UPSTREAM.ERROR'],
    ['it never answers', 'no-answer', 504, 'UPSTREAM.TIMEOUT'],
    ['the connection drops mid-answer', 'drop', 503, 'UPSTREAM.UNAVAILABLE'],
  ])('when %s, stock may be held: it is released once and no order is left', async (_label, reply, status, code) => {
    stub.answerReserve = () => reply;
    const userId = h.addUser();

    const { res, orderId } = await place(userId);

    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
    expect(orderId).toBeDefined();
    expect(stub.releasesOf(orderId!)).toHaveLength(1);
    expect(await statusesOf(userId)).toEqual([]);
  });

  it.each<[string, StubReply, number, string]>([
    ['stock is short (409 STOCK.INSUFFICIENT)', refusal(409, 'STOCK.INSUFFICIENT'), 409, 'STOCK.INSUFFICIENT'],
    ['a product does not exist (404 PRODUCT.NOT_FOUND)', refusal(404, 'PRODUCT.NOT_FOUND'), 422, 'PRODUCT.NOT_FOUND'],
    [
      'the order id was released already (409 RESERVATION.RELEASED)',
      refusal(409, 'RESERVATION.RELEASED'),
      409,
      'ORDER.RESERVATION_CONFLICT',
    ],
  ])('when %s, nothing was taken: no release is sent and no order is left', async (_label, reply, status, code) => {
    stub.answerReserve = () => reply;
    const userId = h.addUser();

    const { res, orderId } = await place(userId);

    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
    expect(orderId).toBeDefined();
    expect(stub.releasesOf(orderId!)).toHaveLength(0);
    expect(await statusesOf(userId)).toEqual([]);
  });

  it('when the release fails too, the order is kept pending so the sweep can release it later, and an error naming it is logged', async () => {
    stub.answerReserve = () => refusal(503, 'DOWN');
    stub.answerRelease = () => refusal(503, 'DOWN');
    const userId = h.addUser();

    const { res, orderId } = await place(userId);

    expect(res.status).toBe(502);
    expect(stub.releasesOf(orderId!)).toHaveLength(1);
    expect(await statusesOf(userId)).toEqual(['pending']);
    expect(logLines).toContainEqual(
      expect.objectContaining({
        level: 50,
        orderId,
        requestId: res.body.requestId,
        err: expect.objectContaining({ message: expect.any(String) }),
        msg: expect.stringMatching(/compensation failed/),
      }),
    );
  });
});

describe('POST /orders when the user check fails', () => {
  it('when the account is unknown, product-service is never called: nothing reserved, nothing released, no order left', async () => {
    const stranger = newId();

    const { res } = await place(stranger);

    expect(res.status).toBe(422);
    expect(res.body.code).toBe('USER.NOT_FOUND');
    expect(stub.callsFor(res.headers['x-request-id'] as string)).toEqual([]);
    expect(await statusesOf(stranger)).toEqual([]);
  });

  it('when user-service is unavailable, product-service is never called either (no release for a reservation never asked for)', async () => {
    const userId = h.addUser();
    h.users.isDown = true;
    let res: Response;
    try {
      ({ res } = await place(userId));
    } finally {
      h.users.isDown = false;
    }

    expect(res.status).toBe(503);
    expect(res.body.code).toBe('UPSTREAM.UNAVAILABLE');
    expect(stub.callsFor(res.headers['x-request-id'] as string)).toEqual([]);
    expect(await statusesOf(userId)).toEqual([]);
  });
});

describe('POST /orders when product-service cannot be reached at all', () => {
  it('the answer is 503 and the order is kept pending: a refused connection looks like any lost one, so a reservation may exist', async () => {
    const unreachable = await createHarnessWithProductServiceAt(await refusingUrl(), {
      client: { timeoutMs: 1000, deadlineMs: 2000 },
    });
    try {
      const userId = unreachable.addUser();

      const res = await request(unreachable.app)
        .post('/orders')
        .set(bearer('user', userId))
        .send({ items: [{ productId: newId(), quantity: 1 }] });

      expect(res.status).toBe(503);
      expect(res.body.code).toBe('UPSTREAM.UNAVAILABLE');
      expect(res.body.detail).not.toMatch(/127\.0\.0\.1/);
      const list = await request(unreachable.app).get('/orders').set(bearer('user', userId));
      expect(list.body.items.map((o: { status: string }) => o.status)).toEqual(['pending']);
    } finally {
      await unreachable.close();
    }
  });
});

describe("placeOrder when product-service's breaker stops the reservation", () => {
  /** A product-service seam whose reserve fails with `error`, counting releases. */
  function refusingStock(error: Error): StockReservations & { releases: string[] } {
    const releases: string[] = [];
    return {
      releases,
      assertAvailable: () => undefined,
      reserve: async () => {
        throw error;
      },
      release: async (orderId) => {
        releases.push(orderId);
      },
    };
  }

  const placeWith = (stock: StockReservations, userId: string) =>
    placeOrder(
      { orders: h.orders, users: h.users, stock, logger: testLogger, orderMetrics: h.orderMetrics },
      { userId, idempotencyKey: unique('key'), items: [{ productId: newId(), quantity: 1 }] },
    );

  it('when the breaker refused the very first attempt, nothing was sent: no release, no order left', async () => {
    const stock = refusingStock(new CircuitOpenError('product-service', 5, false));
    const userId = h.addUser();

    await expect(placeWith(stock, userId)).rejects.toMatchObject({ code: 'UPSTREAM.CIRCUIT_OPEN' });

    expect(stock.releases).toEqual([]);
    expect(await statusesOf(userId)).toEqual([]);
  });

  it('when the breaker opened after an attempt went out, stock may be held: it is released and no order is left', async () => {
    const stock = refusingStock(new CircuitOpenError('product-service', 5, true));
    const userId = h.addUser();

    await expect(placeWith(stock, userId)).rejects.toMatchObject({ code: 'UPSTREAM.CIRCUIT_OPEN' });

    expect(stock.releases).toHaveLength(1);
    expect(await statusesOf(userId)).toEqual([]);
  });
});

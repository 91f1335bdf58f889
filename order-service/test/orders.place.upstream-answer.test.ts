import { bearer, newId } from '@shop/test-support';
import { Types } from 'mongoose';
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { orderPlaced } from '../src/domain/order-events';
import { captureLogs } from './captured-logs';
import { createHarnessWithProductServiceAt } from './harness';
import {
  honestReservation,
  startProductServiceStub,
  type ProductServiceStub,
  type ReserveRequest,
} from './product-service-stub';

const { logger, lines: logLines } = captureLogs();

let stub: ProductServiceStub;
let h: Awaited<ReturnType<typeof createHarnessWithProductServiceAt>>;
beforeAll(async () => {
  stub = await startProductServiceStub();
  h = await createHarnessWithProductServiceAt(stub.url, { logger });
});
afterAll(async () => {
  await h?.close();
  await stub?.close();
});
beforeEach(() => {
  stub.answerReserve = (reservation) => ({ status: 201, json: honestReservation(reservation) });
});

type Answer = ReturnType<typeof honestReservation>;
type Line = Answer['items'][number];

/** Two lines, so an answer can drop, swap or duplicate one. */
async function placeTwoLines(userId: string): Promise<{ res: Response; lamp: string; bulb: string }> {
  const lamp = newId();
  const bulb = newId();
  const res = await request(h.app)
    .post('/orders')
    .set(bearer('user', userId))
    .send({
      items: [
        { productId: lamp, quantity: 2 },
        { productId: bulb, quantity: 1 },
      ],
    });
  return { res, lamp, bulb };
}

/** The order id order-service used for the reservation made while serving `res` (matched by X-Request-Id). */
function reservedOrderId(res: Response): string {
  const reserves = stub.reservesFor(res.headers['x-request-id'] as string);
  expect(reserves).toHaveLength(1);
  return (reserves[0]!.body as ReserveRequest).orderId;
}

const ordersOf = async (userId: string) => (await request(h.app).get('/orders').set(bearer('user', userId))).body;

// Each answer is what product-service could send back, wrongly, for a request of two lines.
const craftedAnswers: [string, (answer: Answer) => unknown][] = [
  ['a line dropped', (a) => ({ ...a, items: a.items.slice(1) })],
  [
    'a quantity changed',
    (a) => ({ ...a, items: a.items.map((line, i) => (i === 0 ? { ...line, quantity: line.quantity + 1 } : line)) }),
  ],
  [
    'a product that was not asked for instead of one that was',
    (a) => ({ ...a, items: a.items.map((line, i) => (i === 1 ? { ...line, productId: newId() } : line)) }),
  ],
  [
    'an extra line',
    (a) => ({
      ...a,
      items: [...a.items, { productId: newId(), name: 'Gift', quantity: 1, unitPrice: 1 } satisfies Line],
    }),
  ],
  ['one line twice instead of both', (a) => ({ ...a, items: [a.items[0], a.items[0]] })],
  [
    'a negative price',
    (a) => ({ ...a, items: a.items.map((line, i) => (i === 0 ? { ...line, unitPrice: -19.99 } : line)) }),
  ],
  ['a price of zero', (a) => ({ ...a, items: a.items.map((line, i) => (i === 0 ? { ...line, unitPrice: 0 } : line)) })],
  [
    'a price as a string',
    (a) => ({ ...a, items: a.items.map((line, i) => (i === 0 ? { ...line, unitPrice: '19.99' } : line)) }),
  ],
  [
    'a price in fractions of a cent',
    (a) => ({ ...a, items: a.items.map((line, i) => (i === 0 ? { ...line, unitPrice: 19.999 } : line)) }),
  ],
  [
    'a price too large to sum exactly',
    (a) => ({ ...a, items: a.items.map((line, i) => (i === 0 ? { ...line, unitPrice: 1e300 } : line)) }),
  ],
  [
    'a quantity as a string',
    (a) => ({ ...a, items: a.items.map((line, i) => (i === 0 ? { ...line, quantity: String(line.quantity) } : line)) }),
  ],
  [
    'a name that is not a string',
    (a) => ({ ...a, items: a.items.map((line, i) => (i === 0 ? { ...line, name: 42 } : line)) }),
  ],
  ['the reservation of another order', (a) => ({ ...a, orderId: newId() })],
  ['a status other than reserved', (a) => ({ ...a, status: 'pending' })],
  ['no items at all', (a) => ({ ...a, items: [] })],
];

describe('POST /orders when product-service answers a reservation that does not match the request', () => {
  it.each(craftedAnswers)(
    'with %s, the order fails with 502, the reservation is released, and no order is left',
    async (_label, craft) => {
      stub.answerReserve = (reservation) => ({ status: 201, json: craft(honestReservation(reservation)) });
      const userId = h.addUser();

      const { res } = await placeTwoLines(userId);

      expect(res.status).toBe(502);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 502, code: 'UPSTREAM.INVALID_RESPONSE', requestId: expect.any(String) });
      expect(res.text).not.toMatch(/127\.0\.0\.1|unitPrice|at .*\.ts/);
      const orderId = reservedOrderId(res);
      expect(stub.releasesOf(orderId)).toHaveLength(1);
      expect(await ordersOf(userId)).toMatchObject({ total: 0, items: [] });
      expect(logLines).toContainEqual(
        expect.objectContaining({
          level: 40,
          orderId,
          requestId: res.body.requestId,
          msg: expect.stringMatching(/invalid reservation/),
        }),
      );
    },
  );

  it('with a body that is not JSON, the order fails with 502 and the reservation is released', async () => {
    stub.answerReserve = () => ({ status: 201, raw: '<html>proxy error</html>' });
    const userId = h.addUser();

    const { res } = await placeTwoLines(userId);

    expect(res.status).toBe(502);
    expect(res.body.code).toBe('UPSTREAM.INVALID_RESPONSE');
    expect(stub.releasesOf(reservedOrderId(res))).toHaveLength(1);
    expect((await ordersOf(userId)).total).toBe(0);
  });

  it('with an honest answer (lines in another order, extra fields), the order is confirmed at the quoted prices and nothing is released', async () => {
    stub.answerReserve = (reservation) => {
      const answer = honestReservation(reservation);
      return {
        status: 201,
        json: {
          ...answer,
          items: [...answer.items].reverse().map((line) => ({ ...line, sku: 'ignored' })),
          warehouse: 'north',
        },
      };
    };
    const userId = h.addUser();

    const { res, lamp, bulb } = await placeTwoLines(userId);

    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: 'confirmed', total: 59.97 });
    expect(res.body.items).toEqual(
      expect.arrayContaining([
        { productId: lamp, name: 'Desk lamp', quantity: 2, unitPrice: 19.99, lineTotal: 39.98 },
        { productId: bulb, name: 'Desk lamp', quantity: 1, unitPrice: 19.99, lineTotal: 19.99 },
      ]),
    );
    expect(stub.releasesOf(reservedOrderId(res))).toHaveLength(0);
  });
});

describe('POST /orders when product-service refuses with a malformed problem', () => {
  it('when its detail is not text and its productId is not a product id, neither reaches the client', async () => {
    stub.answerReserve = () => ({
      status: 409,
      json: { status: 409, code: 'STOCK.INSUFFICIENT', detail: { html: '<script>' }, productId: { $gt: '' } },
    });
    const userId = h.addUser();

    const { res } = await placeTwoLines(userId);

    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'STOCK.INSUFFICIENT', detail: 'The reservation was refused' });
    expect(res.body).not.toHaveProperty('productId');
    expect(res.text).not.toContain('<script>');
    expect((await ordersOf(userId)).total).toBe(0);
  });

  it('when the refusal is well formed, its detail and the product that ran short are passed on', async () => {
    stub.answerReserve = ({ items }) => ({
      status: 409,
      json: {
        status: 409,
        code: 'STOCK.INSUFFICIENT',
        detail: 'Not enough stock for "Desk lamp"',
        productId: items[0]!.productId,
      },
    });

    const { res, lamp, bulb } = await placeTwoLines(h.addUser());

    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'STOCK.INSUFFICIENT', detail: 'Not enough stock for "Desk lamp"' });
    expect([lamp, bulb]).toContain(res.body.productId);
    // A clear refusal is no invalid answer: nothing raises that alarm in the log.
    expect(logLines.filter((line) => line.requestId === res.body.requestId)).toEqual([]);
  });
});

describe('storing an order: a negative total or price is refused whoever asks', () => {
  it('when product-service quotes a negative price, nothing is stored for the user', async () => {
    stub.answerReserve = (reservation) => {
      const answer = honestReservation(reservation);
      return { status: 201, json: { ...answer, items: answer.items.map((line) => ({ ...line, unitPrice: -5 })) } };
    };
    const userId = h.addUser();

    const { res } = await placeTwoLines(userId);

    expect(res.status).toBe(502);
    // The failed order is kept, expired (invisible, its key free), only until its events are
    // published (docs/events.md); it holds the lines asked for and no price.
    const stored = await h.database.connection.collection('orders').find({ userId }).toArray();
    expect(stored.filter((doc) => doc.status !== 'expired')).toEqual([]);
    expect(JSON.stringify(stored)).not.toContain('unitPriceCents');
  });

  it.each([
    ['a negative total', [{ productId: newId(), quantity: 1, name: 'Lamp', unitPriceCents: 500 }], -500],
    ['a negative unit price', [{ productId: newId(), quantity: 1, name: 'Lamp', unitPriceCents: -500 }], 0],
    ['a total in fractions of a cent', [{ productId: newId(), quantity: 1, name: 'Lamp', unitPriceCents: 500 }], 499.5],
  ])(
    'when the repository is asked to confirm an order with %s, the write is refused and the order stays pending',
    async (_label, items, totalCents) => {
      const lines = items.map(({ productId, quantity }) => ({ productId, quantity }));
      const pending = await h.orders.insertPending({
        userId: h.addUser(),
        idempotencyKey: newId(),
        items: lines,
        event: orderPlaced(lines),
      });
      if (pending === null) throw new Error('the idempotency key was already taken');

      // Any valid event: the order's own fields are what the schema must refuse.
      await expect(h.orders.confirm(pending.id, items, totalCents, orderPlaced(lines))).rejects.toMatchObject({
        name: 'ValidationError',
      });

      const stored = await h.database.connection.collection('orders').findOne({ _id: new Types.ObjectId(pending.id) });
      expect(stored).toMatchObject({ status: 'pending', totalCents: 0 });
    },
  );
});

import { bearer, newId, testLogger } from '@shop/test-support';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositories } from '../src/data-access/repositories';
import { reservationModel } from '../src/data-access/reservation.model';
import type { ProductRepository } from '../src/domain/product';
import { createReservationUseCases } from '../src/domain/reservation.use-cases';
import { sweepStaleReservations } from '../src/domain/sweep-stale-reservations.use-case';
import { expectProblem, startTestApi, type TestApi } from './api-client';

const TIMEOUT_MS = 30_000;

describe('sweeping stale reservations', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const sweep = () => sweepStaleReservations({ ...createRepositories(api.db.connection), logger: testLogger }, { timeoutMs: TIMEOUT_MS });
  const reservationsCollection = () => api.db.connection.collection('reservations');
  const stockOf = async (id: string) => (await api.getProduct(id)).stock;
  const statusOf = async (orderId: string) => (await reservationsCollection().findOne({ _id: new Types.ObjectId(orderId) }))?.status as unknown;
  const reserve = (orderId: string, productId: string, quantity: number) =>
    api.http.post('/reservations').set(bearer('service')).send({ orderId, items: [{ productId, quantity }] });
  const takeStock = async (productId: string, quantity: number) => {
    const response = await api.http.patch(`/products/${productId}/stock`).set(bearer('admin')).send({ quantity: -quantity });
    expect(response.status).toBe(200);
  };
  const backdate = async (orderId: string, ageMs: number) => {
    const at = new Date(Date.now() - ageMs);
    await reservationsCollection().updateOne({ _id: new Types.ObjectId(orderId) }, { $set: { createdAt: at, updatedAt: at } });
  };

  /**
   * What a crash in the middle of a reserve leaves: a pending reservation of two lines, the
   * first taken (stock decremented, recorded as applied), the second not yet.
   */
  async function givenCrashedReserve(ageMs: number) {
    const taken = await api.createProduct({ stock: 10 });
    const notYet = await api.createProduct({ stock: 10 });
    const orderId = newId();
    await takeStock(taken.id, 3);
    const at = new Date(Date.now() - ageMs);
    await reservationsCollection().insertOne({
      _id: new Types.ObjectId(orderId),
      status: 'pending',
      items: [
        { productId: new Types.ObjectId(taken.id), quantity: 3 },
        { productId: new Types.ObjectId(notYet.id), quantity: 4 },
      ],
      appliedProductIds: [new Types.ObjectId(taken.id)],
      createdAt: at,
      updatedAt: at,
    });
    return { orderId, taken, notYet };
  }

  it('when a reserve crashed half-way long ago, the taken line gets its stock back once and the reservation is released', async () => {
    const { orderId, taken, notYet } = await givenCrashedReserve(TIMEOUT_MS + 5_000);

    const result = await sweep();

    expect(result.released).toBeGreaterThanOrEqual(1);
    expect(await stockOf(taken.id)).toBe(10);
    expect(await stockOf(notYet.id)).toBe(10);
    expect(await statusOf(orderId)).toBe('released');
  });

  it('when the sweep runs again, the stock is not given back a second time', async () => {
    const { orderId, taken } = await givenCrashedReserve(TIMEOUT_MS + 5_000);
    await sweep();
    await backdate(orderId, TIMEOUT_MS + 5_000);

    await sweep();

    expect(await stockOf(taken.id)).toBe(10);
    expect(await statusOf(orderId)).toBe('released');
  });

  it('when two sweeps run at once, the stock is given back exactly once', async () => {
    const { orderId, taken } = await givenCrashedReserve(TIMEOUT_MS + 5_000);

    await Promise.all([sweep(), sweep(), sweep()]);

    expect(await stockOf(taken.id)).toBe(10);
    expect(await statusOf(orderId)).toBe('released');
  });

  it('when a pending reservation is younger than the timeout, it is left alone', async () => {
    const { orderId, taken } = await givenCrashedReserve(TIMEOUT_MS - 10_000);

    await sweep();

    expect(await stockOf(taken.id)).toBe(7);
    expect(await statusOf(orderId)).toBe('pending');
  });

  it('when a swept reservation is reserved again with its order id, answers 409 RESERVATION.RELEASED and takes nothing', async () => {
    const { orderId, taken } = await givenCrashedReserve(TIMEOUT_MS + 5_000);
    await sweep();

    const late = await reserve(orderId, taken.id, 3);

    expectProblem(late, 409, 'RESERVATION.RELEASED');
    expect(await stockOf(taken.id)).toBe(10);
  });

  it('when a release crashed after giving back one of two lines, the sweep gives back only the other', async () => {
    const a = await api.createProduct({ stock: 10 });
    const b = await api.createProduct({ stock: 10 });
    const orderId = newId();
    const reserved = await api.http
      .post('/reservations')
      .set(bearer('service'))
      .send({ orderId, items: [{ productId: a.id, quantity: 2 }, { productId: b.id, quantity: 5 }] });
    expect(reserved.status).toBe(201);
    // The release claimed the reservation and returned line a (withdraw, then increment), then died.
    await reservationModel(api.db.connection).updateOne({ _id: orderId }, { $set: { status: 'releasing' }, $pull: { appliedProductIds: a.id } });
    await api.http.patch(`/products/${a.id}/stock`).set(bearer('admin')).send({ quantity: 2 });
    await backdate(orderId, TIMEOUT_MS + 5_000);

    await sweep();

    expect(await stockOf(a.id)).toBe(10);
    expect(await stockOf(b.id)).toBe(10);
    expect(await statusOf(orderId)).toBe('released');
  });

  it('when a reserve stalls past the timeout and a sweep takes it over, the reserve fails and every unit comes back', async () => {
    const a = await api.createProduct({ stock: 10 });
    const b = await api.createProduct({ stock: 10 });
    const [first, second] = [a, b].sort((x, y) => x.id.localeCompare(y.id));
    const orderId = newId();
    const repositories = createRepositories(api.db.connection);
    // The stall: just before taking the second line, the reservation looks abandoned and is swept.
    const stallingProducts: ProductRepository = {
      ...repositories.products,
      async adjustStock(id, delta) {
        if (id === second!.id && delta < 0) {
          await backdate(orderId, TIMEOUT_MS + 5_000);
          await sweep();
        }
        return repositories.products.adjustStock(id, delta);
      },
    };
    const useCases = createReservationUseCases({ ...repositories, products: stallingProducts, logger: testLogger });

    const attempt = useCases.reserveStock({ orderId, items: [{ productId: first!.id, quantity: 2 }, { productId: second!.id, quantity: 3 }] });

    await expect(attempt).rejects.toMatchObject({ code: 'RESERVATION.RELEASED' });
    expect(await stockOf(a.id)).toBe(10);
    expect(await stockOf(b.id)).toBe(10);
    expect(await statusOf(orderId)).toBe('released');
  });

  it('when a reserved reservation is old, it is left alone: only pending and releasing ones are stuck', async () => {
    const product = await api.createProduct({ stock: 10 });
    const orderId = newId();
    expect((await reserve(orderId, product.id, 4)).status).toBe(201);
    await backdate(orderId, TIMEOUT_MS * 10);

    await sweep();

    expect(await stockOf(product.id)).toBe(6);
    expect(await statusOf(orderId)).toBe('reserved');
  });
});

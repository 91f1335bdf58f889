import { bearer, newId, testLogger } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProductRepository } from '../src/data-access/product.repository';
import { createReservationRepository } from '../src/data-access/reservation.repository';
import type { ProductStore } from '../src/domain/product';
import { releaseReservation } from '../src/domain/release-reservation.use-case';
import { reserveStock } from '../src/domain/reserve-stock.use-case';
import type { ReservationStore } from '../src/domain/reservation';
import { sweepStaleReservations } from '../src/domain/sweep-stale-reservations.use-case';
import { expectProblem, startTestApi, type TestApi } from './api-client';

const TIMEOUT_MS = 30_000;

// Each test builds, with the repositories, exactly what a process killed at one point of a call
// leaves in the database, then runs the sweep as if the timeout had passed.
describe('sweeping what crashed calls left behind', () => {
  let api: TestApi;
  let repositories: { products: ProductStore; reservations: ReservationStore };
  beforeAll(async () => {
    api = await startTestApi();
    repositories = {
      products: createProductRepository(api.db.connection),
      reservations: createReservationRepository(api.db.connection),
    };
  });
  afterAll(() => api.close());

  const later = () => new Date(Date.now() + TIMEOUT_MS + 5_000);
  const sweep = (now = later()) =>
    sweepStaleReservations(
      { ...repositories, logger: testLogger, stockMetrics: api.stockMetrics },
      { timeoutMs: TIMEOUT_MS, now },
    );
  const statusOf = async (orderId: string) => (await repositories.reservations.findById(orderId))?.status;
  const reserve = (orderId: string, items: { productId: string; quantity: number }[]) =>
    api.http.post('/reservations').set(bearer('service')).send({ orderId, items });
  const release = (orderId: string) => api.http.post(`/reservations/${orderId}/release`).set(bearer('service'));
  const expectInventory = async (productId: string, expected: { stock: number; held: number; sold: number }) =>
    expect(await api.getInventory(productId)).toMatchObject({
      ...expected,
      holdCount: expected.held === 0 ? 0 : (expect.any(Number) as unknown),
    });

  /** A reserve of two lines killed after holding the first one: a pending reservation and one hold. */
  async function givenCrashedReserve() {
    const taken = await api.createProduct({ stock: 10 });
    const notYet = await api.createProduct({ stock: 10 });
    const orderId = newId();
    await repositories.reservations.claim(
      orderId,
      [
        { productId: taken.id, quantity: 3 },
        { productId: notYet.id, quantity: 4 },
      ],
      'dead-reserve',
    );
    await repositories.products.placeHold(taken.id, { orderId, quantity: 3, lease: 'dead-reserve' });
    return { orderId, taken, notYet };
  }

  /** A completed reservation of `quantity` units of a new product with `stock`, through the API. */
  async function givenReserved(stock: number, quantity: number) {
    const product = await api.createProduct({ stock });
    const orderId = newId();
    expect((await reserve(orderId, [{ productId: product.id, quantity }])).status).toBe(201);
    const lease = (await repositories.reservations.findById(orderId))!.items[0]!.lease!;
    return { product, orderId, lease };
  }

  /** A release of a completed reservation, killed after it took the units out of sold into its hold. */
  async function givenReleaseKilledAfterUnsell() {
    const { product, orderId, lease } = await givenReserved(10, 3);
    const releasing = await repositories.reservations.claimRelease(orderId, 'dead-release');
    expect(releasing).not.toBeNull();
    await repositories.reservations.moveLine(
      orderId,
      'dead-release',
      product.id,
      { state: 'sold', lease },
      { state: 'returning', lease: 'dead-release' },
    );
    expect(await repositories.products.unsell(product.id, { orderId, quantity: 3, lease: 'dead-release' })).toBe(true);
    return { product, orderId };
  }

  it('when a reserve died after holding one of two lines, the held units go back once and the reservation is released', async () => {
    const { orderId, taken, notYet } = await givenCrashedReserve();

    await sweep();

    await expectInventory(taken.id, { stock: 10, held: 0, sold: 0 });
    await expectInventory(notYet.id, { stock: 10, held: 0, sold: 0 });
    expect(await statusOf(orderId)).toBe('released');
  });

  it('when the sweep runs again, or three sweeps run at once, nothing is given back a second time', async () => {
    const { orderId, taken } = await givenCrashedReserve();

    await Promise.all([sweep(), sweep(), sweep()]);
    await sweep();

    await expectInventory(taken.id, { stock: 10, held: 0, sold: 0 });
    expect(await statusOf(orderId)).toBe('released');
  });

  it('when the crashed reserve is younger than the timeout, it is left alone', async () => {
    const { orderId, taken } = await givenCrashedReserve();

    await sweep(new Date());

    await expectInventory(taken.id, { stock: 7, held: 3, sold: 0 });
    expect(await statusOf(orderId)).toBe('pending');
  });

  it('when a swept reservation is reserved again with its order id, answers 409 RESERVATION.RELEASED and takes nothing', async () => {
    const { orderId, taken } = await givenCrashedReserve();
    await sweep();

    const late = await reserve(orderId, [{ productId: taken.id, quantity: 3 }]);

    expectProblem(late, 409, 'RESERVATION.RELEASED');
    await expectInventory(taken.id, { stock: 10, held: 0, sold: 0 });
  });

  it('when a reserve died after recording the reservation and before committing its holds, the sweep commits them', async () => {
    const product = await api.createProduct({ stock: 10 });
    const orderId = newId();
    await repositories.reservations.claim(orderId, [{ productId: product.id, quantity: 3 }], 'dead-reserve');
    await repositories.products.placeHold(product.id, { orderId, quantity: 3, lease: 'dead-reserve' });
    await repositories.reservations.markReserved(orderId, 'dead-reserve', [
      { productId: product.id, quantity: 3, name: product.name, unitPriceCents: 1999 },
    ]);

    await sweep();

    await expectInventory(product.id, { stock: 7, held: 0, sold: 3 });
    expect(await statusOf(orderId)).toBe('reserved');
    // The order may still be confirmed, or released later: both work from here.
    expect((await release(orderId)).status).toBe(200);
    await expectInventory(product.id, { stock: 10, held: 0, sold: 0 });
  });

  it('when a release died after taking the units out of sold, the sweep puts them in stock once', async () => {
    const { product, orderId } = await givenReleaseKilledAfterUnsell();
    await expectInventory(product.id, { stock: 7, held: 3, sold: 0 });

    await Promise.all([sweep(), sweep()]);
    await sweep();

    await expectInventory(product.id, { stock: 10, held: 0, sold: 0 });
    expect(await statusOf(orderId)).toBe('released');
  });

  it('when a release died after marking the line moving, or after moving its units, the sweep finishes without a second return', async () => {
    const killedBeforeMove = await givenReleaseKilledAfterUnsell();
    await repositories.reservations.moveLine(
      killedBeforeMove.orderId,
      'dead-release',
      killedBeforeMove.product.id,
      { state: 'returning', lease: 'dead-release' },
      { state: 'moving', lease: 'dead-release' },
    );
    const killedAfterMove = await givenReleaseKilledAfterUnsell();
    await repositories.reservations.moveLine(
      killedAfterMove.orderId,
      'dead-release',
      killedAfterMove.product.id,
      { state: 'returning', lease: 'dead-release' },
      { state: 'moving', lease: 'dead-release' },
    );
    const hold = await repositories.products.findHold(killedAfterMove.product.id, killedAfterMove.orderId);
    await repositories.products.settleHold(killedAfterMove.product.id, hold!, 'stock');

    await sweep();

    for (const { product, orderId } of [killedBeforeMove, killedAfterMove]) {
      await expectInventory(product.id, { stock: 10, held: 0, sold: 0 });
      expect(await statusOf(orderId)).toBe('released');
    }
  });

  it('when a stalled call left a hold on a released reservation, it goes back where it came from', async () => {
    // Another order keeps 4 units sold; this order was reserved and released, then a stalled
    // release call took 2 units out of sold (units of the other order) into a hold.
    const { product } = await givenReserved(10, 4);
    const orderId = newId();
    expect((await reserve(orderId, [{ productId: product.id, quantity: 2 }])).status).toBe(201);
    expect((await release(orderId)).status).toBe(200);
    expect(await repositories.products.unsell(product.id, { orderId, quantity: 2, lease: 'stalled' })).toBe(true);
    await expectInventory(product.id, { stock: 6, held: 2, sold: 2 });

    const result = await sweep();

    expect(result.holdsSettled).toBeGreaterThanOrEqual(1);
    await expectInventory(product.id, { stock: 6, held: 0, sold: 4 });
  });

  it('when a release died after returning a line and a stalled call then took units out of sold for it, the takeover puts those back in sold', async () => {
    const { product } = await givenReserved(10, 4);
    const { orderId, lease } = await (async () => {
      const id = newId();
      expect((await reserve(id, [{ productId: product.id, quantity: 2 }])).status).toBe(201);
      return { orderId: id, lease: (await repositories.reservations.findById(id))!.items[0]!.lease! };
    })();
    // The dead release got the line all the way back to stock, but not to marking the reservation released.
    const { reservations, products } = repositories;
    await reservations.claimRelease(orderId, 'dead');
    await reservations.moveLine(
      orderId,
      'dead',
      product.id,
      { state: 'sold', lease },
      { state: 'returning', lease: 'dead' },
    );
    await products.unsell(product.id, { orderId, quantity: 2, lease: 'dead' });
    await reservations.moveLine(
      orderId,
      'dead',
      product.id,
      { state: 'returning', lease: 'dead' },
      { state: 'moving', lease: 'dead' },
    );
    await products.settleHold(product.id, (await products.findHold(product.id, orderId))!, 'stock');
    await reservations.moveLine(
      orderId,
      'dead',
      product.id,
      { state: 'moving', lease: 'dead' },
      { state: 'returned', lease: 'dead' },
    );
    // A stalled call's late write takes 2 units of the other order out of sold.
    expect(await products.unsell(product.id, { orderId, quantity: 2, lease: 'stalled' })).toBe(true);

    await sweep();

    await expectInventory(product.id, { stock: 6, held: 0, sold: 4 });
    expect(await statusOf(orderId)).toBe('released');
  });

  it('when a hold has no reservation at all, it goes back to stock', async () => {
    const product = await api.createProduct({ stock: 10 });
    await repositories.products.placeHold(product.id, { orderId: newId(), quantity: 5, lease: 'lost' });

    await sweep();

    await expectInventory(product.id, { stock: 10, held: 0, sold: 0 });
  });

  it('when a completed reservation is old, it is left alone: its units stay sold until the order is released', async () => {
    const { product, orderId } = await givenReserved(10, 4);

    await sweep();

    await expectInventory(product.id, { stock: 6, held: 0, sold: 4 });
    expect(await statusOf(orderId)).toBe('reserved');
  });

  it('when a reserve stalls past the timeout and a sweep takes it over, the reserve fails and every unit comes back', async () => {
    const a = await api.createProduct({ stock: 10 });
    const b = await api.createProduct({ stock: 10 });
    const [first, second] = [a, b].sort((x, y) => x.id.localeCompare(y.id));
    const orderId = newId();
    // The stall: just before holding the second line, the reservation looks abandoned and is swept.
    const stallingProducts: ProductStore = {
      ...repositories.products,
      async placeHold(id, hold) {
        if (id === second!.id) await sweep();
        return repositories.products.placeHold(id, hold);
      },
    };
    const deps = { ...repositories, products: stallingProducts, logger: testLogger };

    const attempt = reserveStock(deps, {
      orderId,
      items: [
        { productId: first!.id, quantity: 2 },
        { productId: second!.id, quantity: 3 },
      ],
    });

    await expect(attempt).rejects.toMatchObject({ code: 'RESERVATION.RELEASED' });
    await expectInventory(a.id, { stock: 10, held: 0, sold: 0 });
    await expectInventory(b.id, { stock: 10, held: 0, sold: 0 });
    expect(await statusOf(orderId)).toBe('released');
  });

  it('when a release stalls past the timeout and a sweep finishes it, the stalled call gives nothing back twice', async () => {
    const { product } = await givenReserved(10, 4);
    const orderId = newId();
    expect((await reserve(orderId, [{ productId: product.id, quantity: 2 }])).status).toBe(201);
    // The stall: just before taking the units out of sold, the release is taken over and finished by a sweep.
    const stallingProducts: ProductStore = {
      ...repositories.products,
      async unsell(id, hold) {
        await sweep();
        return repositories.products.unsell(id, hold);
      },
    };
    const deps = { ...repositories, products: stallingProducts, logger: testLogger };

    await expect(releaseReservation(deps, orderId)).rejects.toMatchObject({ code: 'RESERVATION.IN_PROGRESS' });
    // The stalled call's late write took 2 units of the other order out of sold: still not in stock twice.
    await expectInventory(product.id, { stock: 6, held: 2, sold: 2 });
    await sweep();

    await expectInventory(product.id, { stock: 6, held: 0, sold: 4 });
    expect(await statusOf(orderId)).toBe('released');
  });
});

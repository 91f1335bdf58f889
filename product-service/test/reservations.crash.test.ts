import { newId, testLogger } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProductRepository } from '../src/data-access/product.repository';
import { createReservationRepository } from '../src/data-access/reservation.repository';
import type { ProductStore } from '../src/domain/product';
import { releaseReservation } from '../src/domain/release-reservation.use-case';
import { reserveStock } from '../src/domain/reserve-stock.use-case';
import type { ReservationStore } from '../src/domain/reservation';
import type { ReturnStockDeps } from '../src/domain/return-reservation-stock';
import { sweepStaleReservations } from '../src/domain/sweep-stale-reservations.use-case';
import { startTestApi, type TestApi } from './api-client';

const TIMEOUT_MS = 30_000;

/** What a SIGKILL looks like to the code: the call stops right after one of its writes. */
class SimulatedCrash extends Error {}

interface Stores {
  products: ProductStore;
  reservations: ReservationStore;
}

const PRODUCT_WRITES = ['placeHold', 'unsell', 'settleHold'] as const;
const RESERVATION_WRITES = [
  'claim',
  'removePending',
  'markReserved',
  'claimRelease',
  'claimStale',
  'moveLine',
  'markReleased',
  'insertTombstone',
] as const;

/**
 * Repositories that stop the call with SimulatedCrash right after the write number `crashAfter`
 * (1-based) has been applied; every write after that throws too, as nothing runs after a kill.
 * `writes` counts the writes attempted, so a run without a crash tells how many there are.
 */
function crashingRepositories(real: Stores, crashAfter: number) {
  let writes = 0;
  const wrap = <T extends object>(target: T, names: readonly string[]): T =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value: unknown = Reflect.get(object, property, receiver);
        if (typeof value !== 'function' || !names.includes(String(property))) return value;
        return async (...args: unknown[]) => {
          if (writes >= crashAfter) throw new SimulatedCrash('already dead');
          writes++;
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
          if (writes === crashAfter) throw new SimulatedCrash(`killed after write ${writes}`);
          return result;
        };
      },
    });
  return {
    repositories: {
      products: wrap<ProductStore>(real.products, PRODUCT_WRITES),
      reservations: wrap<ReservationStore>(real.reservations, RESERVATION_WRITES),
    },
    writes: () => writes,
  };
}

// Exhaustive: for a reserve and a release of two lines, the process is killed after each single
// write in turn (every point where SIGKILL can split the work), then the sweep runs. Every product
// must balance at every point (stock + held + sold = initial), and once swept hold nothing and
// have exactly the reserved units sold, or none.
describe('a process killed after any single write of a reserve or a release', () => {
  let api: TestApi;
  let real: Stores;
  beforeAll(async () => {
    api = await startTestApi();
    real = {
      products: createProductRepository(api.db.connection),
      reservations: createReservationRepository(api.db.connection),
    };
  });
  afterAll(() => api.close());

  const depsOn = (repositories: Stores): ReturnStockDeps => ({ ...repositories, logger: testLogger });
  const sweep = (repositories: Stores = real) =>
    sweepStaleReservations(
      { ...repositories, logger: testLogger, stockMetrics: api.stockMetrics },
      { timeoutMs: TIMEOUT_MS, now: new Date(Date.now() + TIMEOUT_MS + 5_000) },
    );

  async function givenOrder() {
    const a = await api.createProduct({ stock: 10 });
    const b = await api.createProduct({ stock: 10 });
    return {
      orderId: newId(),
      items: [
        { productId: a.id, quantity: 2 },
        { productId: b.id, quantity: 3 },
      ],
    };
  }

  async function expectBalanced(items: { productId: string; quantity: number }[], sold: 'all' | 'none' | 'any') {
    for (const { productId, quantity } of items) {
      const inventory = await api.getInventory(productId);
      expect(
        inventory.stock + inventory.held + inventory.sold,
        `product ${productId}: ${JSON.stringify(inventory)}`,
      ).toBe(10);
      if (sold === 'any') continue;
      expect(inventory).toMatchObject({ held: 0, holdCount: 0, sold: sold === 'all' ? quantity : 0 });
    }
  }

  /** Runs `act` once without a crash to count its writes, then once per write with a crash right after it. */
  async function forEveryCrashPoint(
    label: string,
    prepare: () => Promise<{ orderId: string; items: { productId: string; quantity: number }[] }>,
    act: (deps: ReturnStockDeps, orderId: string, items: { productId: string; quantity: number }[]) => Promise<unknown>,
    check: (orderId: string, items: { productId: string; quantity: number }[]) => Promise<void>,
  ) {
    const dry = await prepare();
    const counting = crashingRepositories(real, Number.MAX_SAFE_INTEGER);
    await act(depsOn(counting.repositories), dry.orderId, dry.items);
    const total = counting.writes();
    expect(total, `${label}: writes in one uninterrupted call`).toBeGreaterThan(4);
    for (let crashAfter = 1; crashAfter <= total; crashAfter++) {
      const { orderId, items } = await prepare();
      const crashing = crashingRepositories(real, crashAfter);
      await expect(
        act(depsOn(crashing.repositories), orderId, items),
        `${label}, killed after write ${crashAfter}`,
      ).rejects.toBeInstanceOf(SimulatedCrash);
      await expectBalanced(items, 'any');
      await check(orderId, items);
    }
    return total;
  }

  it('when a reserve is killed after any write, the sweep leaves its units either all sold (reserved) or all in stock, and a release then returns them', async () => {
    const total = await forEveryCrashPoint(
      'reserve',
      givenOrder,
      (deps, orderId, items) => reserveStock(deps, { orderId, items }),
      async (orderId, items) => {
        await sweep();
        const status = (await real.reservations.findById(orderId))?.status;
        await expectBalanced(items, status === 'reserved' ? 'all' : 'none');
        // What order-service does next: releases whatever may be reserved (compensation or its sweep).
        await releaseReservation(depsOn(real), orderId);
        await expectBalanced(items, 'none');
      },
    );
    expect(total).toBe(6);
  });

  it('when a release is killed after any write, the sweep finishes it: every unit back in stock, once', async () => {
    const reserved = async () => {
      const order = await givenOrder();
      await reserveStock(depsOn(real), order);
      return order;
    };
    const total = await forEveryCrashPoint(
      'release',
      reserved,
      (deps, orderId) => releaseReservation(deps, orderId),
      async (orderId, items) => {
        await sweep();
        await sweep();
        expect((await real.reservations.findById(orderId))?.status).toBe('released');
        await expectBalanced(items, 'none');
        // A retried release answers released and changes nothing.
        await expect(releaseReservation(depsOn(real), orderId)).resolves.toEqual({ orderId, status: 'released' });
        await expectBalanced(items, 'none');
      },
    );
    expect(total).toBeGreaterThanOrEqual(10);
  });

  it('when the sweep itself is killed after any write while repairing a killed release, the next sweep finishes the job', async () => {
    const killedRelease = async () => {
      const order = await givenOrder();
      await reserveStock(depsOn(real), order);
      // A release killed right after its fourth write (one line moving its units).
      await expect(
        releaseReservation(depsOn(crashingRepositories(real, 4).repositories), order.orderId),
      ).rejects.toBeInstanceOf(SimulatedCrash);
      return order;
    };
    // Killed after write 1, 2, ... until a sweep gets through without being killed.
    let crashAfter = 1;
    for (; crashAfter <= 40; crashAfter++) {
      const { orderId, items } = await killedRelease();
      const crashing = crashingRepositories(real, crashAfter);
      const outcome = await sweep(crashing.repositories).then(
        () => 'finished' as const,
        (error: unknown) => {
          if (!(error instanceof SimulatedCrash)) throw error;
          return 'killed' as const;
        },
      );
      await expectBalanced(items, 'any');
      await sweep();
      expect((await real.reservations.findById(orderId))?.status).toBe('released');
      await expectBalanced(items, 'none');
      if (outcome === 'finished') break;
    }
    expect(crashAfter).toBeGreaterThan(3);
  });
});

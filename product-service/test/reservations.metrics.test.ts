import { bearer, newId, sampleSum, testLogger } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReservationRepository } from '../src/data-access/reservation.repository';
import { newLease } from '../src/domain/stock-holds';
import { sweepStaleReservations } from '../src/domain/sweep-stale-reservations.use-case';
import { startTestApi, type TestApi } from './api-client';

/**
 * What an operator reads off product-service's /metrics: units committed to orders and given
 * back, each unit counted once however often a call is repeated, reservations the sweep had to
 * roll back, and products sold out.
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const scrape = async () => (await api.http.get('/metrics')).text;
const reserve = (orderId: string, items: { productId: string; quantity: number }[]) =>
  api.http.post('/reservations').set(bearer('service')).send({ orderId, items });
const release = (orderId: string) => api.http.post(`/reservations/${orderId}/release`).set(bearer('service'));

describe('stock metrics', () => {
  it('units reserved and released are counted once each, whatever is repeated; a refused reservation counts nothing', async () => {
    const a = await api.createProduct({ stock: 10 });
    const b = await api.createProduct({ stock: 10 });
    const orderId = newId();
    const items = [
      { productId: a.id, quantity: 2 },
      { productId: b.id, quantity: 3 },
    ];
    const before = await scrape();
    const grew = (after: string, name: string) => sampleSum(after, name) - sampleSum(before, name);

    expect((await reserve(orderId, items)).status).toBe(201);
    expect((await reserve(orderId, items)).status).toBe(200);
    expect((await reserve(newId(), [{ productId: a.id, quantity: 50 }])).status).toBe(409);
    const reserved = await scrape();
    expect(grew(reserved, 'shop_stock_reserved_units_total')).toBe(5);
    expect(grew(reserved, 'shop_stock_released_units_total')).toBe(0);

    expect((await release(orderId)).status).toBe(200);
    expect((await release(orderId)).status).toBe(200);
    const released = await scrape();
    expect(grew(released, 'shop_stock_reserved_units_total')).toBe(5);
    expect(grew(released, 'shop_stock_released_units_total')).toBe(5);
  });

  it('products with nothing left to sell are a gauge: a sell-out raises it, a release lowers it', async () => {
    const product = await api.createProduct({ stock: 2 });
    const orderId = newId();
    const outOfStock = async () => sampleSum(await scrape(), 'shop_products_out_of_stock');
    const before = await outOfStock();

    expect((await reserve(orderId, [{ productId: product.id, quantity: 2 }])).status).toBe(201);
    expect(await outOfStock()).toBe(before + 1);

    expect((await release(orderId)).status).toBe(200);
    expect(await outOfStock()).toBe(before);
  });

  it('a reservation abandoned by its saga and rolled back by the sweep counts as expired', async () => {
    const product = await api.createProduct({ stock: 5 });
    const reservations = createReservationRepository(api.db.connection);
    const expired = async () => sampleSum(await scrape(), 'shop_reservations_expired_total');
    const before = await expired();
    // What a reserve that died right after claiming the order id leaves behind.
    expect(await reservations.claim(newId(), [{ productId: product.id, quantity: 1 }], newLease())).toBe(true);

    await sweepStaleReservations(
      { products: api.products, reservations, logger: testLogger, stockMetrics: api.stockMetrics },
      { timeoutMs: 1000, now: new Date(Date.now() + 60_000) },
    );

    expect(await expired()).toBe(before + 1);
  });
});

import { newId } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProductRepository, type ProductRepository } from '../src/data-access/product.repository';
import type { StockHold } from '../src/domain/product';
import { startTestApi, type TestApi } from './api-client';

// The hold operations on the product document, against the real database: each is one atomic
// conditional update, so a repeated call applies once and concurrent calls apply once between them.
describe('stock holds on the product document', () => {
  let api: TestApi;
  let products: ProductRepository;
  beforeAll(async () => {
    api = await startTestApi();
    products = createProductRepository(api.db.connection);
  });
  afterAll(() => api.close());

  const place = async (productId: string, orderId: string, quantity: number, lease = 'lease-a'): Promise<StockHold> => {
    const placed = await products.placeHold(productId, { orderId, quantity, lease });
    if (placed === null) throw new Error('the hold was not placed');
    return placed.hold;
  };

  it('when a hold is placed, stock drops and the hold is recorded in the same document', async () => {
    const product = await api.createProduct({ stock: 10 });
    const orderId = newId();

    await place(product.id, orderId, 3);

    expect(await api.getInventory(product.id)).toEqual({
      productId: product.id,
      stock: 7,
      held: 3,
      sold: 0,
      holdCount: 1,
    });
    expect(await products.findHold(product.id, orderId)).toMatchObject({
      orderId,
      quantity: 3,
      from: 'stock',
      lease: 'lease-a',
    });
  });

  it('when the same order places its hold again, nothing more is taken', async () => {
    const product = await api.createProduct({ stock: 10 });
    const orderId = newId();
    await place(product.id, orderId, 3);

    const again = await products.placeHold(product.id, { orderId, quantity: 3, lease: 'lease-b' });

    expect(again).toBeNull();
    expect(await api.getInventory(product.id)).toMatchObject({ stock: 7, held: 3, holdCount: 1 });
  });

  it('when 20 calls for the same order place a hold at once, exactly one applies', async () => {
    const product = await api.createProduct({ stock: 100 });
    const orderId = newId();

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        products.placeHold(product.id, { orderId, quantity: 2, lease: `lease-${i}` }),
      ),
    );

    expect(results.filter((result) => result !== null)).toHaveLength(1);
    expect(await api.getInventory(product.id)).toMatchObject({ stock: 98, held: 2, holdCount: 1 });
  });

  it('when 50 orders place a hold of one unit at once on stock 10, exactly 10 apply and stock ends at 0', async () => {
    const product = await api.createProduct({ stock: 10 });

    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        products.placeHold(product.id, { orderId: newId(), quantity: 1, lease: 'lease-a' }),
      ),
    );

    expect(results.filter((result) => result !== null)).toHaveLength(10);
    expect(await api.getInventory(product.id)).toEqual({
      productId: product.id,
      stock: 0,
      held: 10,
      sold: 0,
      holdCount: 10,
    });
  });

  it('when the stock is short, no hold is placed and nothing changes', async () => {
    const product = await api.createProduct({ stock: 2 });

    expect(await products.placeHold(product.id, { orderId: newId(), quantity: 3, lease: 'lease-a' })).toBeNull();

    expect(await api.getInventory(product.id)).toMatchObject({ stock: 2, held: 0, holdCount: 0 });
  });

  it.each([
    ['sold', { stock: 7, held: 0, sold: 3 }],
    ['stock', { stock: 10, held: 0, sold: 0 }],
  ] as const)('when a hold is settled to %s twice, its units move once and the hold is gone', async (to, expected) => {
    const product = await api.createProduct({ stock: 10 });
    const hold = await place(product.id, newId(), 3);

    const first = await products.settleHold(product.id, hold, to);
    const second = await products.settleHold(product.id, hold, to);

    expect([first, second]).toEqual([true, false]);
    expect(await api.getInventory(product.id)).toMatchObject({ ...expected, holdCount: 0 });
  });

  it('when 10 calls settle the same hold at once, to sold and to stock, exactly one applies', async () => {
    const product = await api.createProduct({ stock: 10 });
    const hold = await place(product.id, newId(), 4);

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => products.settleHold(product.id, hold, i % 2 === 0 ? 'sold' : 'stock')),
    );

    expect(results.filter(Boolean)).toHaveLength(1);
    const inventory = await api.getInventory(product.id);
    expect(inventory).toMatchObject({ held: 0, holdCount: 0 });
    expect(inventory.stock + inventory.sold).toBe(10);
    expect([0, 4]).toContain(inventory.sold);
  });

  it('when a settle names another lease, the hold stays where it is', async () => {
    const product = await api.createProduct({ stock: 10 });
    const hold = await place(product.id, newId(), 3, 'lease-a');

    expect(await products.settleHold(product.id, { ...hold, lease: 'lease-b' }, 'sold')).toBe(false);

    expect(await api.getInventory(product.id)).toMatchObject({ stock: 7, held: 3, sold: 0, holdCount: 1 });
  });

  it('when sold units are taken back into a hold twice, or by 10 calls at once, they move once', async () => {
    const product = await api.createProduct({ stock: 10 });
    const orderId = newId();
    await products.settleHold(product.id, await place(product.id, orderId, 3), 'sold');

    const repeated = [
      await products.unsell(product.id, { orderId, quantity: 3, lease: 'lease-r' }),
      await products.unsell(product.id, { orderId, quantity: 3, lease: 'lease-r' }),
    ];
    const concurrent = await Promise.all(
      Array.from({ length: 10 }, (_, i) => products.unsell(product.id, { orderId, quantity: 3, lease: `lease-${i}` })),
    );

    expect(repeated).toEqual([true, false]);
    expect(concurrent.filter(Boolean)).toHaveLength(0);
    expect(await api.getInventory(product.id)).toMatchObject({ stock: 7, held: 3, sold: 0, holdCount: 1 });
    expect(await products.findHold(product.id, orderId)).toMatchObject({ from: 'sold', lease: 'lease-r' });
  });

  it('when fewer units are sold than asked back, nothing moves', async () => {
    const product = await api.createProduct({ stock: 10 });

    expect(await products.unsell(product.id, { orderId: newId(), quantity: 1, lease: 'lease-a' })).toBe(false);

    expect(await api.getInventory(product.id)).toMatchObject({ stock: 10, held: 0, sold: 0 });
  });

  it('lists only holds placed before the cut-off', async () => {
    const product = await api.createProduct({ stock: 10 });
    const old = await place(product.id, newId(), 1);
    const cutOff = new Date();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await place(product.id, newId(), 1);

    const listed = (await products.findHoldsOlderThan(cutOff, 1000)).filter((entry) => entry.productId === product.id);

    expect(listed.map((entry) => entry.hold.orderId)).toEqual([old.orderId]);
  });
});

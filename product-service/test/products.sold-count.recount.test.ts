import { randomUUID } from 'node:crypto';
import type { OrderEvent } from '@shop/shared/events';
import { gate, newId } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoldCountVersions, applyOrderEvent } from '../src/domain/apply-order-event.use-case';
import type { ProductStore } from '../src/domain/product';
import { startTestApi, type TestApi } from './api-client';

function confirmed(productId: string, quantity: number): OrderEvent {
  return {
    id: randomUUID(),
    type: 'order.confirmed',
    version: 1,
    time: new Date().toISOString(),
    orderId: newId(),
    userId: newId(),
    status: 'confirmed',
    lines: [{ productId, quantity, unitPriceCents: 100 }],
    totalCents: quantity * 100,
  };
}

// The interleavings two consumers (or a consumer and a crash) can produce, forced one at a time.
describe('soldCount recounts (applyOrderEvent on the real database)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it("when a recount is overtaken by the recount of another order's event, it does not overwrite it: both orders' units count", async () => {
    const product = await api.createProduct();
    const heldBeforeWriting = gate();
    const otherFinished = gate();
    let isFirstWrite = true;
    // The first event's recount has read the version and summed its own line, then waits.
    const slowProducts: ProductStore = {
      ...api.products,
      async setSoldCount(id, version, soldCount) {
        if (isFirstWrite) {
          isFirstWrite = false;
          heldBeforeWriting.open();
          await otherFinished.opened;
        }
        return api.products.setSoldCount(id, version, soldCount);
      },
    };

    const first = applyOrderEvent({ products: slowProducts, sales: api.sales }, confirmed(product.id, 2));
    await heldBeforeWriting.opened;
    await applyOrderEvent({ products: api.products, sales: api.sales }, confirmed(product.id, 3));
    otherFinished.open();
    await first;

    expect((await api.getProduct(product.id)).soldCount).toBe(5);
  });

  it('when the consumer dies after recording an order line but before counting it, the redelivered event counts it', async () => {
    const product = await api.createProduct();
    const event = confirmed(product.id, 4);
    const dyingProducts: ProductStore = {
      ...api.products,
      findSoldCount: () => Promise.reject(new Error('process killed')),
    };
    await expect(applyOrderEvent({ products: dyingProducts, sales: api.sales }, event)).rejects.toThrow();
    expect((await api.getProduct(product.id)).soldCount).toBe(0);

    const outcome = await applyOrderEvent({ products: api.products, sales: api.sales }, event);

    expect(outcome).toBe('duplicate');
    expect((await api.getProduct(product.id)).soldCount).toBe(4);
  });

  it('a consumer that remembers the version it wrote skips reading it, and still counts a write that came in between', async () => {
    const product = await api.createProduct();
    let versionReads = 0;
    const counting: ProductStore = {
      ...api.products,
      findSoldCount: (id) => {
        versionReads++;
        return api.products.findSoldCount(id);
      },
    };
    const consumer = { products: counting, sales: api.sales, knownVersions: new SoldCountVersions() };

    await applyOrderEvent(consumer, confirmed(product.id, 2));
    await applyOrderEvent(consumer, confirmed(product.id, 3));
    expect(versionReads).toBe(1);

    // Another consumer (no memory of this one's writes) counts an order in between.
    await applyOrderEvent({ products: api.products, sales: api.sales }, confirmed(product.id, 4));
    await applyOrderEvent(consumer, confirmed(product.id, 5));

    expect((await api.getProduct(product.id)).soldCount).toBe(14);
  });

  it('an event for a product that does not exist is recorded without error and counts nowhere', async () => {
    const outcome = await applyOrderEvent({ products: api.products, sales: api.sales }, confirmed(newId(), 1));

    expect(outcome).toBe('applied');
  });
});

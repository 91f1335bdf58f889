import { bearer, newId } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProductRepository } from '../src/data-access/product.repository';
import { expectProblem, startTestApi, type TestApi } from './api-client';

// soldCount is public (what sort=popular orders by), kept from order events; the reservation ledger is not.
const PUBLIC_FIELDS = [
  'category',
  'createdAt',
  'description',
  'id',
  'name',
  'price',
  'soldCount',
  'stock',
  'updatedAt',
];

describe('GET /products/:id/inventory and what the public views show', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  /** A product with one order's units in flight (a hold) and another order's units sold. */
  async function givenHeldAndSoldUnits() {
    const product = await api.createProduct({ stock: 10 });
    const products = createProductRepository(api.db.connection);
    const soldTo = newId();
    const sold = await products.placeHold(product.id, { orderId: soldTo, quantity: 2, lease: 'lease-sold' });
    await products.settleHold(product.id, sold!.hold, 'sold');
    const heldFor = newId();
    await products.placeHold(product.id, { orderId: heldFor, quantity: 3, lease: 'lease-held' });
    return { product, heldFor, soldTo };
  }

  it('when a service asks, answers stock, held and sold units and the number of holds, without order ids', async () => {
    const { product, heldFor } = await givenHeldAndSoldUnits();

    const response = await api.http.get(`/products/${product.id}/inventory`).set(bearer('service'));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ productId: product.id, stock: 5, held: 3, sold: 2, holdCount: 1 });
    expect(response.text).not.toContain(heldFor);
  });

  it('when a user asks, answers 403; without a token, 401', async () => {
    const product = await api.createProduct();

    expectProblem(await api.http.get(`/products/${product.id}/inventory`).set(bearer('user')), 403, 'AUTH.FORBIDDEN');
    expectProblem(await api.http.get(`/products/${product.id}/inventory`), 401, 'AUTH.UNAUTHORIZED');
  });

  it('when the product does not exist, answers 404', async () => {
    expectProblem(await api.http.get(`/products/${newId()}/inventory`).set(bearer('admin')), 404, 'PRODUCT.NOT_FOUND');
  });

  it('while units are held and sold, no public answer shows holds, the reservation ledger or order ids', async () => {
    const { product, heldFor, soldTo } = await givenHeldAndSoldUnits();

    const answers = [
      await api.http.get(`/products/${product.id}`),
      await api.http.patch(`/products/${product.id}`).set(bearer('admin')).send({ name: 'Renamed' }),
      await api.http.patch(`/products/${product.id}/stock`).set(bearer('admin')).send({ quantity: 1 }),
    ];
    const listed = await api.http.get('/products').query({ category: product.category });

    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body as object).sort()).toEqual(PUBLIC_FIELDS);
    }
    const items = (listed.body as { items: object[] }).items;
    expect(items).toHaveLength(1);
    expect(Object.keys(items[0]!).sort()).toEqual(PUBLIC_FIELDS);
    for (const text of [...answers, listed].map((answer) => answer.text)) {
      expect(text).not.toContain(heldFor);
      expect(text).not.toContain(soldTo);
      expect(text).not.toMatch(/holds|"sold"|lease/);
    }
  });
});

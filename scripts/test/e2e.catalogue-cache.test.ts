import { createApiClient, E2E_ADMIN, startTestStack, unique, withToken, type ApiClient } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningStack } from '../src/stack';

/** The gateway's default freshness for anonymous catalogue reads (GATEWAY_MICRO_CACHE_MS). */
const FRESHNESS_MS = 1000;

let stack: RunningStack;
let api: ApiClient;
let adminToken: string;

beforeAll(async () => {
  stack = await startTestStack({ env: { GATEWAY_MICRO_CACHE_MS: String(FRESHNESS_MS) } });
  api = createApiClient(stack.url('api-gateway'));
  adminToken = (await api.POST('/api/auth/login', { body: E2E_ADMIN })).data!.token;
});
afterAll(() => stack?.stop());

async function createProduct(stock: number): Promise<string> {
  const res = await api.POST('/api/products', {
    ...withToken(adminToken),
    body: { name: unique('Lamp'), description: 'cached', price: 5, category: unique('cat'), stock },
  });
  expect(res.response.status).toBe(201);
  return res.data!.id;
}

const read = async (id: string, token?: string) => {
  const res = await api.GET('/api/products/{id}', {
    params: { path: { id } },
    ...(token === undefined ? {} : withToken(token)),
  });
  expect(res.response.status).toBe(200);
  return { stock: res.data!.stock, cache: res.response.headers.get('x-cache') };
};

const addStock = async (id: string, quantity: number) => {
  const res = await api.PATCH('/api/products/{id}/stock', {
    ...withToken(adminToken),
    params: { path: { id } },
    body: { quantity },
  });
  expect(res.response.status).toBe(200);
  return res.data!.stock;
};

describe('catalogue reads through the real gateway and product-service, with the micro-cache on', () => {
  it('a stock change is visible to anonymous reads within the freshness bound, and to a read with a token at once', async () => {
    // An anonymous read just after the change may still be the stored one; whether it is depends
    // on how long the machine took since the read that stored it, so a few products are tried.
    let sawStoredAnswer = false;
    for (let attempt = 0; attempt < 5 && !sawStoredAnswer; attempt++) {
      const id = await createProduct(10);
      const storedAt = Date.now();
      const before = await read(id);
      const stock = await addStock(id, 3);
      const changedAt = Date.now();

      const withToken = await read(id, adminToken);
      const anonymous = await read(id);
      const anonymousAnsweredAt = Date.now();

      expect(before.stock).toBe(10);
      expect(stock).toBe(13);
      // A read with a token never comes from the cache: it has the change at once.
      expect(withToken).toEqual({ stock: 13, cache: null });
      if (anonymousAnsweredAt - storedAt < FRESHNESS_MS) {
        expect(anonymous).toEqual({ stock: 10, cache: 'HIT' });
        sawStoredAnswer = true;
      }
      // Once the bound has passed since the change, every anonymous read has it.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, changedAt + FRESHNESS_MS + 1 - Date.now())));
      expect((await read(id)).stock).toBe(13);
    }
    expect(sawStoredAnswer).toBe(true);
  });

  it('an anonymous read with the current ETag gets 304 through the gateway', async () => {
    const id = await createProduct(2);
    const first = await api.GET('/api/products/{id}', { params: { path: { id } } });
    const etag = first.response.headers.get('etag')!;

    const again = await api.GET('/api/products/{id}', {
      params: { path: { id }, header: { 'If-None-Match': etag } },
    });

    expect(etag).toMatch(/^"[^"]+"$/);
    expect(first.response.headers.get('cache-control')).toBe('public, max-age=1, stale-while-revalidate=5');
    expect(again.response.status).toBe(304);
    expect(again.response.headers.get('etag')).toBe(etag);
  });
});

import { bearer, newId } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './api-client';

const STRONG_TAG = /^"[\x21\x23-\x7e]+"$/;

describe('catalogue reads are cacheable: strong ETag, Cache-Control, 304 to If-None-Match', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const read = (id: string, ifNoneMatch?: string) => {
    const request = api.http.get(`/products/${id}`);
    return ifNoneMatch === undefined ? request : request.set('If-None-Match', ifNoneMatch);
  };

  it('a product read carries a strong ETag, the same on every read, and a short public Cache-Control', async () => {
    const { id } = await api.createProduct();

    const first = await read(id);
    const second = await read(id);

    expect(first.status).toBe(200);
    expect(first.headers.etag).toMatch(STRONG_TAG);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(first.headers['cache-control']).toBe('public, max-age=1, stale-while-revalidate=5');
  });

  it('a read with the current tag in If-None-Match gets 304 without a body, as a list, weak, or *', async () => {
    const { id } = await api.createProduct();
    const etag = (await read(id)).headers.etag!;

    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await read(id, ifNoneMatch);

      expect(response.status, ifNoneMatch).toBe(304);
      expect(response.text, ifNoneMatch).toBe('');
      expect(response.headers.etag, ifNoneMatch).toBe(etag);
      expect(response.headers['cache-control'], ifNoneMatch).toMatch(/^public, max-age=1/);
    }
  });

  it('when the stock changes, the tag changes: the old one gets 200 with the new stock and the new tag', async () => {
    const { id } = await api.createProduct({ stock: 4 });
    const before = (await read(id)).headers.etag!;

    const changed = await api.http.patch(`/products/${id}/stock`).set(bearer('admin')).send({ quantity: -1 });
    const after = await read(id, before);

    expect(changed.status).toBe(200);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ id, stock: 3 });
    expect(after.headers.etag).toMatch(STRONG_TAG);
    expect(after.headers.etag).not.toBe(before);
    expect((await read(id, after.headers.etag)).status).toBe(304);
  });

  it('a list read is tagged and conditional too, and its tag changes when a product in it changes', async () => {
    const { id, category } = await api.createProduct({ stock: 9 });
    const list = () => api.http.get('/products').query({ category });
    const first = await list();

    const notModified = await list().set('If-None-Match', first.headers.etag!);
    await api.http.patch(`/products/${id}/stock`).set(bearer('admin')).send({ quantity: 1 });
    const changed = await list().set('If-None-Match', first.headers.etag!);

    expect(first.status).toBe(200);
    expect(first.headers.etag).toMatch(STRONG_TAG);
    expect(first.headers['cache-control']).toBe('public, max-age=1, stale-while-revalidate=5');
    expect(notModified.status).toBe(304);
    expect(changed.status).toBe(200);
    expect((changed.body as { items: { stock: number }[] }).items[0]?.stock).toBe(10);
  });

  it('an error answer says nothing a cache could keep', async () => {
    const response = await read(newId());

    expect(response.status).toBe(404);
    expect(response.headers['cache-control']).toBeUndefined();
  });
});

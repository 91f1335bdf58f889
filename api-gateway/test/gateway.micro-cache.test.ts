import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearer, gate, newId, sampleSum } from '@shop/test-support';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { createGatewayMetrics } from '../src/metrics';
import type { MicroCacheSettings } from '../src/micro-cache';
import { useGateways, type FakeUpstream, type GatewayOverrides } from './harness';
import { testLogger } from '@shop/test-support';

/** Every test starts its own gateway (its own cache and counters); all are closed after the file. */
const gateway = useGateways();

/** Long enough that nothing expires during a test unless the test waits for it. */
const LONG: MicroCacheSettings = { ttlMs: 60_000 };

interface Catalogue {
  /** Cache-Control of the next answers; undefined: none. */
  cacheControl: string | undefined;
  status: number;
  extraHeaders: Record<string, string>;
  /** When set, answers wait for it. */
  hold?: Promise<void>;
}

/**
 * product-service as a stand-in: each answer numbers the catalogue calls so far, so a test can
 * tell a stored answer (an old number) from a fresh one, and tags it by that number.
 */
function serveCatalogue(upstream: FakeUpstream, settings: Partial<Catalogue> = {}): Catalogue {
  const catalogue: Catalogue = { cacheControl: 'public, max-age=60', status: 200, extraHeaders: {}, ...settings };
  upstream.handle = (req: IncomingMessage, res: ServerResponse) => {
    // The request is recorded before it is handed here: the first call is number 0.
    const call = catalogueCalls(upstream).length - 1;
    const { status } = catalogue;
    const answer = () => {
      const body = JSON.stringify({ url: req.url, call, requestId: req.headers['x-request-id'] });
      res.statusCode = status;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('content-length', Buffer.byteLength(body));
      res.setHeader('etag', `"call-${call}"`);
      res.setHeader('x-request-id', String(req.headers['x-request-id']));
      if (catalogue.cacheControl !== undefined) res.setHeader('cache-control', catalogue.cacheControl);
      for (const [name, value] of Object.entries(catalogue.extraHeaders)) res.setHeader(name, value);
      res.end(body);
    };
    if (catalogue.hold === undefined) answer();
    else void catalogue.hold.then(answer);
  };
  return catalogue;
}

const catalogueCalls = (upstream: FakeUpstream) => upstream.requests.filter((r) => r.url.startsWith('/products'));

async function cachedGateway(settings: MicroCacheSettings = LONG, overrides: GatewayOverrides = {}) {
  const metrics = createGatewayMetrics(testLogger);
  const gw = await gateway({ metrics, microCache: settings, ...overrides });
  const products = gw.upstreams['product-service'];
  const results = async (result: string) =>
    sampleSum(await metrics.registry.metrics(), 'gateway_micro_cache_requests_total', { result });
  return { gw, products, results };
}

describe('the gateway micro-cache for anonymous catalogue reads', () => {
  it('within the freshness, a repeated read is answered from the cache: the upstream is asked once', async () => {
    const { gw, products, results } = await cachedGateway();
    serveCatalogue(products);
    const path = `/api/products/${newId()}`;

    const first = await request(gw.url).get(path).set('X-Request-Id', 'first-read');
    const second = await request(gw.url).get(path).set('X-Request-Id', 'second-read');

    expect(catalogueCalls(products)).toHaveLength(1);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.headers.age).toMatch(/^\d+$/);
    expect(await results('hit')).toBe(1);
    expect(await results('miss')).toBe(1);
  });

  it('a cached answer has every header the gateway sends: this request id and rate limit, the security headers, the upstream ETag and Cache-Control', async () => {
    const { gw, products } = await cachedGateway(LONG, { limits: { global: { windowMs: 60_000, limit: 10 } } });
    serveCatalogue(products);
    const path = `/api/products?category=${newId()}`;
    const first = await request(gw.url).get(path).set('X-Request-Id', 'the-first');

    const hit = await request(gw.url).get(path).set('X-Request-Id', 'the-second');

    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['x-request-id']).toBe('the-second');
    expect(hit.headers.ratelimit).toMatch(/^"global"; r=8; t=\d+$/);
    expect(hit.headers['ratelimit-policy']).toBe(first.headers['ratelimit-policy']);
    expect(hit.headers['content-security-policy']).toBe(first.headers['content-security-policy']);
    expect(hit.headers['x-content-type-options']).toBe('nosniff');
    expect(hit.headers.etag).toBe('"call-0"');
    expect(hit.headers['cache-control']).toBe('public, max-age=60');
    expect(hit.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('a hit still counts against the global rate limit', async () => {
    const { gw, products } = await cachedGateway(LONG, { limits: { global: { windowMs: 60_000, limit: 2 } } });
    serveCatalogue(products);
    const path = `/api/products/${newId()}`;

    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(gw.url).get(path)).status);

    expect(statuses).toEqual([200, 200, 429]);
  });

  it('answers 304 itself to a matching If-None-Match, and a conditional first read still fills the cache', async () => {
    const { gw, products } = await cachedGateway();
    serveCatalogue(products);
    const path = `/api/products/${newId()}`;

    const conditionalFirst = await request(gw.url).get(path).set('If-None-Match', '"call-0"');
    const hit = await request(gw.url).get(path).set('If-None-Match', 'W/"old", W/"call-0"');
    const unconditional = await request(gw.url).get(path);
    const stale = await request(gw.url).get(path).set('If-None-Match', '"call-7"');

    expect(catalogueCalls(products)).toHaveLength(1);
    expect(catalogueCalls(products)[0]!.headers['if-none-match']).toBeUndefined();
    expect(conditionalFirst.status).toBe(304);
    expect(conditionalFirst.text).toBe('');
    expect(hit.status).toBe(304);
    expect(hit.headers.etag).toBe('"call-0"');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['content-length']).toBeUndefined();
    expect(unconditional.status).toBe(200);
    expect(unconditional.body).toMatchObject({ call: 0 });
    expect(stale.status).toBe(200);
  });

  it('HEAD is answered from a stored GET answer, without a body', async () => {
    const { gw, products } = await cachedGateway();
    serveCatalogue(products);
    const path = `/api/products/${newId()}`;
    const get = await request(gw.url).get(path);

    const head = await request(gw.url).head(path);

    expect(catalogueCalls(products)).toHaveLength(1);
    expect(head.status).toBe(200);
    expect(head.headers['x-cache']).toBe('HIT');
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.text ?? '').toBe('');
  });

  it('after the freshness, the upstream is asked again', async () => {
    const { gw, products } = await cachedGateway({ ttlMs: 200 });
    serveCatalogue(products);
    const path = `/api/products/${newId()}`;
    await request(gw.url).get(path);

    await new Promise((resolve) => setTimeout(resolve, 400));
    const later = await request(gw.url).get(path);

    expect(catalogueCalls(products)).toHaveLength(2);
    expect(later.body).toMatchObject({ call: 1 });
    expect(later.headers['x-cache']).toBe('MISS');
  });

  it("the upstream's max-age caps the freshness", async () => {
    const { gw, products } = await cachedGateway(LONG);
    serveCatalogue(products, { cacheControl: 'public, max-age=0' });
    const path = `/api/products/${newId()}`;

    await request(gw.url).get(path);
    await request(gw.url).get(path);

    expect(catalogueCalls(products)).toHaveLength(2);
  });

  it('a burst of concurrent misses for one product makes one upstream call; every read gets its answer', async () => {
    const { gw, products, results } = await cachedGateway();
    const release = gate();
    serveCatalogue(products, { hold: release.opened });
    const path = `/api/products/${newId()}`;

    const reads = Array.from({ length: 10 }, (_, i) =>
      request(gw.url)
        .get(path)
        .set('X-Request-Id', `burst-${i}`)
        .then((res) => res),
    );
    await vi.waitFor(async () => expect(await results('coalesced')).toBe(9));
    release.open();
    const answers = await Promise.all(reads);

    expect(catalogueCalls(products)).toHaveLength(1);
    expect(answers.map((res) => res.status)).toEqual(Array(10).fill(200));
    expect(answers.map((res) => res.body.call)).toEqual(Array(10).fill(0));
    expect(answers.map((res) => res.headers['x-request-id'])).toEqual(answers.map((_, i) => `burst-${i}`));
    expect(await results('miss')).toBe(1);
  });

  it('when the call a burst waits for fails, nothing is stored and each waiting read gets an answer of its own', async () => {
    const { gw, products, results } = await cachedGateway();
    const release = gate();
    const catalogue = serveCatalogue(products, { hold: release.opened, status: 503 });
    const path = `/api/products/${newId()}`;

    const reads = Array.from({ length: 4 }, (_, i) =>
      request(gw.url)
        .get(path)
        .set('X-Request-Id', `failing-${i}`)
        .then((res) => res),
    );
    await vi.waitFor(async () => expect(await results('coalesced')).toBe(3));
    catalogue.status = 200;
    catalogue.hold = undefined;
    release.open();
    const answers = await Promise.all(reads);
    const callsOfTheBurst = catalogueCalls(products).length;
    const next = await request(gw.url).get(path);

    expect(callsOfTheBurst).toBe(4);
    const [failedCall, ...ownCalls] = catalogueCalls(products)
      .slice(0, callsOfTheBurst)
      .map((r) => r.headers['x-request-id']);
    const statusOf = (requestId: unknown) => answers.find((res) => res.headers['x-request-id'] === requestId)?.status;
    expect(statusOf(failedCall)).toBe(503);
    // The others made their own calls, with their own request ids, which succeeded.
    expect(ownCalls.map(statusOf)).toEqual([200, 200, 200]);
    expect([failedCall, ...ownCalls].sort()).toEqual(['failing-0', 'failing-1', 'failing-2', 'failing-3']);
    // Nothing was stored: the next read is the one that fills the cache.
    expect(next.headers['x-cache']).toBe('MISS');
    expect((await request(gw.url).get(path)).headers['x-cache']).toBe('HIT');
  });

  it('when the call a burst waits for breaks before any answer, each waiting read makes its own call', async () => {
    const { gw, products, results } = await cachedGateway();
    const release = gate();
    serveCatalogue(products);
    const answerNormally = products.handle;
    products.handle = (req, res, body) => {
      if (catalogueCalls(products).length === 1) void release.opened.then(() => res.socket?.destroy());
      else answerNormally(req, res, body);
    };
    const path = `/api/products/${newId()}`;

    const reads = Array.from({ length: 3 }, () =>
      request(gw.url)
        .get(path)
        .then((res) => res),
    );
    await vi.waitFor(async () => expect(await results('coalesced')).toBe(2));
    release.open();
    const statuses = (await Promise.all(reads)).map((res) => res.status).sort();

    expect(statuses).toEqual([200, 200, 503]);
  });

  it('an error answer is never stored', async () => {
    const { gw, products } = await cachedGateway();
    const catalogue = serveCatalogue(products, { status: 404 });
    const path = `/api/products/${newId()}`;

    const missing = await request(gw.url).get(path);
    catalogue.status = 200;
    const found = await request(gw.url).get(path);

    expect(missing.status).toBe(404);
    expect(found.status).toBe(200);
    expect(catalogueCalls(products)).toHaveLength(2);
  });

  it.each([
    ['no-store', { cacheControl: 'public, no-store' }],
    ['private', { cacheControl: 'private, max-age=60' }],
    ['no-cache', { cacheControl: 'no-cache' }],
    ['no Cache-Control', { cacheControl: undefined }],
    ['a cookie set', { extraHeaders: { 'set-cookie': 'session=1' } }],
    ['Vary: *', { extraHeaders: { vary: '*' } }],
  ])('an answer with %s is never stored', async (_label, settings: Partial<Catalogue>) => {
    const { gw, products } = await cachedGateway();
    serveCatalogue(products, settings);
    const path = `/api/products/${newId()}`;

    await request(gw.url).get(path);
    const second = await request(gw.url).get(path);

    expect(catalogueCalls(products)).toHaveLength(2);
    expect(second.body).toMatchObject({ call: 1 });
  });

  it('a read with a token or a cookie is never answered from the cache, nor stored', async () => {
    const { gw, products, results } = await cachedGateway();
    serveCatalogue(products);
    const path = `/api/products/${newId()}`;
    const anonymous = await request(gw.url).get(path);

    const withToken = await request(gw.url).get(path).set(bearer('admin'));
    const withCookie = await request(gw.url).get(path).set('Cookie', 'session=abc');
    const withTokenAgain = await request(gw.url).get(path).set(bearer('user'));

    expect(anonymous.body).toMatchObject({ call: 0 });
    expect(withToken.body).toMatchObject({ call: 1 });
    expect(withCookie.body).toMatchObject({ call: 2 });
    expect(withTokenAgain.body).toMatchObject({ call: 3 });
    expect(withToken.headers['x-cache']).toBeUndefined();
    expect(await results('bypass')).toBe(3);
  });

  it('only catalogue reads are cached: other reads always reach their service', async () => {
    const { gw } = await cachedGateway();
    const users = gw.upstreams['user-service'];
    users.handle = (_req, res) => {
      res.setHeader('cache-control', 'public, max-age=60');
      res.end('{}');
    };

    await request(gw.url).get('/api/users/me').set(bearer('user'));
    await request(gw.url).get('/api/users/me').set(bearer('user'));

    expect(users.requests.filter((r) => r.url === '/users/me')).toHaveLength(2);
  });

  it('a read whose headers differ on what the upstream varies on is not served the stored variant', async () => {
    const { gw, products } = await cachedGateway();
    serveCatalogue(products, { extraHeaders: { vary: 'Accept-Language' } });
    const path = `/api/products/${newId()}`;

    await request(gw.url).get(path).set('Accept-Language', 'en');
    const sameVariant = await request(gw.url).get(path).set('Accept-Language', 'en');
    const otherVariant = await request(gw.url).get(path).set('Accept-Language', 'fr');

    expect(sameVariant.headers['x-cache']).toBe('HIT');
    expect(otherVariant.headers['x-cache']).toBe('MISS');
    expect(otherVariant.body).toMatchObject({ call: 1 });
  });

  it('is bounded: past its entry bound the least recently used answer is dropped, and large answers are not kept', async () => {
    const { gw, products } = await cachedGateway({ ttlMs: 60_000, maxEntries: 2, maxEntryBytes: 200 });
    serveCatalogue(products);
    const [a, b, c] = [newId(), newId(), newId()].map((id) => `/api/products/${id}`);
    const get = async (path: string) => (await request(gw.url).get(path)).headers['x-cache'] as string;

    const first = [await get(a!), await get(b!), await get(a!), await get(c!)];
    const afterEviction = [await get(a!), await get(c!), await get(b!)];
    const large = `/api/products?name=${'x'.repeat(200)}`;
    const largeReads = [await get(large), await get(large)];

    expect(first).toEqual(['MISS', 'MISS', 'HIT', 'MISS']);
    // c pushed out b (least recently used), not a.
    expect(afterEviction).toEqual(['HIT', 'HIT', 'MISS']);
    expect(largeReads).toEqual(['MISS', 'MISS']);
  });

  it('is bounded in bytes too', async () => {
    const { gw, products } = await cachedGateway({ ttlMs: 60_000, maxBytes: 1000 });
    serveCatalogue(products);
    const paths = [newId(), newId(), newId(), newId()].map((id) => `/api/products/${id}`);
    for (const path of paths) await request(gw.url).get(path);

    const again = [];
    for (const path of paths) again.push((await request(gw.url).get(path)).headers['x-cache']);

    // Each stored answer takes some 500 bytes with its headers: two fit at a time.
    expect(again.filter((result) => result === 'HIT').length).toBeLessThan(paths.length);
    expect(catalogueCalls(products).length).toBeGreaterThan(paths.length);
  });

  it('off when its freshness is 0: every read reaches the service', async () => {
    const { gw, products } = await cachedGateway({ ttlMs: 0 });
    serveCatalogue(products);
    const path = `/api/products/${newId()}`;

    await request(gw.url).get(path);
    const second = await request(gw.url).get(path);

    expect(catalogueCalls(products)).toHaveLength(2);
    expect(second.headers['x-cache']).toBeUndefined();
  });
});

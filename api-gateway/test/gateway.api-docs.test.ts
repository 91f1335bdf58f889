import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { bearer, sampleSum } from '@shop/test-support';
import { describe, expect, it } from 'vitest';
import { DOCS_CONTENT_SECURITY_POLICY, DOCS_ROUTES } from '../src/api-docs';
import { useGateways, type TestGateway } from './harness';
import { expectProblem, variantsOf } from './support';

const gateway = useGateways();

const committedDocument = readFileSync(path.resolve(__dirname, '../openapi.json'));
const swaggerUi = path.dirname(require.resolve('swagger-ui-dist/package.json'));
/** What every answer that is not the docs page carries (helmet's policy for an API). */
const API_CONTENT_SECURITY_POLICY = "default-src 'none';frame-ancestors 'none'";

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** Sends `target` byte for byte: no URL parsing on our side, which would resolve `..` first. */
function send(
  gw: TestGateway,
  method: string,
  target: string,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function problemOf(answer: RawAnswer) {
  return { status: answer.status, headers: answer.headers, body: JSON.parse(answer.text) as unknown };
}

/** Every `src` and `href` of the page. */
function referencesOf(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((match) => match[1]!);
}

describe('GET /api/openapi.json', () => {
  it('serves the committed OpenAPI 3.1 document as JSON, with a request id, and asks nothing of the upstreams', async () => {
    const gw = await gateway();
    const res = await send(gw, 'GET', '/api/openapi.json');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['x-request-id']).toMatch(/.+/);
    expect(res.body.equals(committedDocument)).toBe(true);
    const document = JSON.parse(res.text) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.paths['/api/products']?.get).toBeDefined();
    for (const upstream of Object.values(gw.upstreams)) expect(upstream.requests).toHaveLength(0);
  });

  it('keeps the API content policy (it is data, not a page) and is revalidated by ETag: 304 while unchanged', async () => {
    const gw = await gateway();
    const first = await send(gw, 'GET', '/api/openapi.json');
    expect(first.headers['content-security-policy']).toBe(API_CONTENT_SECURITY_POLICY);
    expect(first.headers['cache-control']).toBe('no-cache');
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^"[\w-]+"$/);

    const again = await send(gw, 'GET', '/api/openapi.json', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toHaveLength(0);
    expect((await send(gw, 'GET', '/api/openapi.json', { 'if-none-match': '"other"' })).status).toBe(200);
  });

  it('answers HEAD like GET, without the body', async () => {
    const gw = await gateway();
    const res = await send(gw, 'HEAD', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-length']).toBe(String(committedDocument.length));
    expect(res.body).toHaveLength(0);
  });

  it('is gzipped for a client that accepts it, and the same bytes once unzipped', async () => {
    const gw = await gateway();
    const res = await send(gw, 'GET', '/api/openapi.json', { 'accept-encoding': 'gzip, br' });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toMatch(/Accept-Encoding/);
    expect(res.body.length).toBeLessThan(committedDocument.length / 3);
    expect(gunzipSync(res.body).equals(committedDocument)).toBe(true);
    const refused = await send(gw, 'GET', '/api/openapi.json', { 'accept-encoding': 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body.equals(committedDocument)).toBe(true);
  });
});

describe('GET /api/docs', () => {
  it('serves the Swagger UI page under a content policy that allows exactly its own script, style and this origin', async () => {
    const gw = await gateway();
    const res = await send(gw, 'GET', '/api/docs');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    // The other protections stay as on every answer, and a document gets helmet's whole set.
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'cross-origin-opener-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
      'x-dns-prefetch-control': 'off',
      'x-permitted-cross-domain-policies': 'none',
    });
    expect(res.text).toContain('<div id="swagger-ui"></div>');
    // No inline script: every script is a same-origin file.
    const scripts = [...res.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, content] of scripts) {
      expect(attributes).toMatch(/ src="\/api\/docs\/[\w.-]+\.js"/);
      expect(content).toBe('');
    }
    // Nothing from elsewhere (no CDN): each reference is one of the gateway's own files or data:.
    for (const reference of referencesOf(res.text)) expect(reference).toMatch(/^(\/api\/docs\/[\w.-]+|data:.*)$/);
  });

  it("loads every asset the page references from the gateway, each with its type and the page's policy", async () => {
    const gw = await gateway();
    const page = await send(gw, 'GET', '/api/docs');
    const assets = referencesOf(page.text).filter((reference) => reference.startsWith('/api/docs/'));
    expect(assets).toEqual(
      expect.arrayContaining([
        '/api/docs/swagger-ui.css',
        '/api/docs/swagger-ui-bundle.js',
        '/api/docs/swagger-initializer.js',
      ]),
    );
    for (const asset of assets) {
      const res = await send(gw, 'GET', asset);
      expect(res.status, asset).toBe(200);
      expect(res.headers['content-type'], asset).toBe(
        asset.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
      );
      expect(res.headers['content-security-policy'], asset).toBe(DOCS_CONTENT_SECURITY_POLICY);
      expect(res.headers.etag, asset).toMatch(/^"[\w-]+"$/);
    }
    // Swagger UI's own bundle, byte for byte from the pinned swagger-ui-dist.
    const bundle = await send(gw, 'GET', '/api/docs/swagger-ui-bundle.js');
    expect(bundle.body.equals(readFileSync(path.join(swaggerUi, 'swagger-ui-bundle.js')))).toBe(true);
    const zipped = await send(gw, 'GET', '/api/docs/swagger-ui-bundle.js', { 'accept-encoding': 'gzip' });
    expect(gunzipSync(zipped.body).equals(bundle.body)).toBe(true);
    expect(zipped.headers.etag).not.toBe(bundle.headers.etag);
  });

  it("starts Swagger UI on this gateway's document, with the online validator off", async () => {
    const gw = await gateway();
    const res = await send(gw, 'GET', '/api/docs/swagger-initializer.js');
    expect(res.text).toContain("url: '/api/openapi.json'");
    expect(res.text).toContain('validatorUrl: null');
  });

  it('answers HEAD like GET and 405 with Allow to other methods', async () => {
    const gw = await gateway();
    const head = await send(gw, 'HEAD', '/api/docs');
    expect(head.status).toBe(200);
    expect(head.headers['content-security-policy']).toBe(DOCS_CONTENT_SECURITY_POLICY);
    expect(head.body).toHaveLength(0);
    for (const target of ['/api/docs', '/api/openapi.json', '/api/docs/swagger-ui-bundle.js']) {
      const res = problemOf(await send(gw, 'POST', target, { 'content-type': 'application/json' }));
      expectProblem(res, 405, 'ROUTE.METHOD_NOT_ALLOWED');
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(res.body).toMatchObject({ detail: 'POST is not allowed here; allowed: GET, HEAD' });
    }
  });

  it('is served to anyone: a token, even a bad one, is not read', async () => {
    const gw = await gateway();
    expect((await send(gw, 'GET', '/api/docs', { authorization: 'Bearer not-a-token' })).status).toBe(200);
    expect((await send(gw, 'GET', '/api/openapi.json', bearer('user'))).status).toBe(200);
  });
});

describe('the docs policy stays on the docs page', () => {
  it('JSON answers (health, proxied, problems) keep the API policy', async () => {
    const gw = await gateway();
    for (const target of ['/health', '/api/products', '/api/nope', '/api/docs/nope.js']) {
      const res = await send(gw, 'GET', target);
      expect(res.headers['content-type'], target).toMatch(/^application\/(problem\+)?json/);
      expect(res.headers['content-security-policy'], target).toBe(API_CONTENT_SECURITY_POLICY);
    }
  });
});

describe('only the files the page needs, at exactly their paths', () => {
  it.each([
    ['a file of swagger-ui-dist the page does not use', '/api/docs/index.html'],
    ['the OAuth redirect page', '/api/docs/oauth2-redirect.html'],
    ['a source map', '/api/docs/swagger-ui-bundle.js.map'],
    ['the package manifest', '/api/docs/package.json'],
    ['an unknown asset', '/api/docs/nope.js'],
    ['a file below an asset', '/api/docs/swagger-ui.css/x'],
    ['a differently-cased asset', '/api/docs/Swagger-UI.css'],
    ['a differently-cased page', '/api/Docs'],
  ])('%s (%s) is the usual 404 problem', async (_label, target) => {
    const gw = await gateway();
    expectProblem(problemOf(await send(gw, 'GET', target)), 404, 'ROUTE.NOT_FOUND');
  });

  it.each([
    ['dot-dot', '/api/docs/../package.json'],
    ['dot-dot to the gateway folder', '/api/docs/../../api-gateway/package.json'],
    ['encoded dot-dot', '/api/docs/%2e%2e/package.json'],
    ['encoded dot-dot and slash', '/api/docs/%2e%2e%2fpackage.json'],
    ['dot-dot with an encoded slash', '/api/docs/..%2fpackage.json'],
    ['dot-dot with a backslash', '/api/docs/..\\package.json'],
    ['dot-dot with an encoded backslash', '/api/docs/..%5cpackage.json'],
    ['double-encoded dot-dot', '/api/docs/%252e%252e/package.json'],
    ['a listing of the folder', '/api/docs/'],
    ['dot-dot out of the document', '/api/openapi.json/../../package.json'],
  ])('%s (%s) is refused as a path in no canonical form, and no file is read', async (_label, target) => {
    const gw = await gateway();
    const res = await send(gw, 'GET', target);
    expectProblem(problemOf(res), 400, 'REQUEST.BAD_PATH');
    expect(res.text).not.toContain('"dependencies"');
  });

  it.each(variantsOf('/api/docs/swagger-ui-bundle.js'))(
    'the %s variant (%s) of an asset is refused like any other path, never served',
    async (_label, variant, refusal) => {
      const gw = await gateway();
      const res = problemOf(await send(gw, 'GET', variant));
      expectProblem(res, refusal, refusal === 400 ? 'REQUEST.BAD_PATH' : 'ROUTE.NOT_FOUND');
    },
  );
});

describe('limits and metrics', () => {
  it('counts the docs and the document under the global rate limit', async () => {
    const gw = await gateway({ limits: { global: { windowMs: 60_000, limit: 2 } } });
    expect((await send(gw, 'GET', '/api/docs')).status).toBe(200);
    expect((await send(gw, 'GET', '/api/openapi.json')).status).toBe(200);
    const limited = await send(gw, 'GET', '/api/docs/swagger-ui-bundle.js');
    expectProblem(problemOf(limited), 429, 'RATE_LIMIT.EXCEEDED');
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('labels its requests in the metrics by their fixed paths', async () => {
    const gw = await gateway();
    await send(gw, 'GET', '/api/openapi.json');
    await send(gw, 'GET', '/api/docs');
    const metrics = (await send(gw, 'GET', '/metrics')).text;
    for (const { method, path: route } of DOCS_ROUTES)
      expect(sampleSum(metrics, 'http_requests_total', { method, route, status_code: '200' })).toBe(1);
  });
});

import type { AddressInfo } from 'node:net';
import { apiContract, ContractMismatchError, createApiClient, newId, type ObservedAnswer } from '@shop/test-support';
import express from 'express';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The check every suite runs on every answer (scripts/test/support/api-contract.ts): what it lets
 * through and what it stops, against the committed api-gateway/openapi.json.
 */

const product = () => ({
  id: newId(),
  name: 'Lamp',
  description: 'A lamp',
  price: 12.5,
  category: 'lighting',
  stock: 3,
  soldCount: 0,
  createdAt: '2026-01-02T03:04:05.000Z',
  updatedAt: '2026-01-02T03:04:05.000Z',
});

function answer(
  method: string,
  path: string,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): ObservedAnswer {
  const all: Record<string, string> = {
    'x-request-id': 'req-1',
    'content-type': status >= 400 ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8',
    ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
  };
  return {
    method,
    path,
    status,
    header: (name) => all[name.toLowerCase()],
    text: body === undefined ? '' : JSON.stringify(body),
  };
}

const problem = (status: number, code: string) => ({
  type: `urn:shop:problem:${code}`,
  title: 'Not Found',
  status,
  detail: 'No such thing',
  code,
  requestId: 'req-1',
});

const check = (observed: ObservedAnswer) => apiContract().check(observed);
const problemsOf = (observed: ObservedAnswer) => {
  const result = check(observed);
  return result.outcome === 'mismatch' ? result.problems : [];
};

describe('checking an answer against the API document', () => {
  it('lets a documented answer through, whether the path is the gateway’s or the service’s own', () => {
    expect(check(answer('GET', `/api/products/${newId()}`, 200, product()))).toEqual({
      outcome: 'checked',
      operationId: 'getProduct',
    });
    expect(check(answer('GET', `/products/${newId()}?x=1`, 200, product()))).toMatchObject({ outcome: 'checked' });
    expect(check(answer('GET', '/users/me', 404, problem(404, 'USER.NOT_FOUND')))).toMatchObject({
      outcome: 'checked',
      operationId: 'getMe',
    });
  });

  it('stops a body that drifted from its schema: a field of the wrong type, a missing one, an extra one', () => {
    const { stock: _stock, ...withoutStock } = product();
    expect(problemsOf(answer('GET', `/api/products/${newId()}`, 200, { ...product(), price: '12.50' }))).toEqual([
      expect.stringMatching(/^body\/price must be number/),
    ]);
    expect(problemsOf(answer('GET', `/api/products/${newId()}`, 200, withoutStock))).toEqual([
      expect.stringMatching(/^body must have required property 'stock'/),
    ]);
    expect(problemsOf(answer('GET', `/api/products/${newId()}`, 200, { ...product(), cost: 3 }))).toEqual([
      expect.stringMatching(/^body must NOT have additional properties \{"additionalProperty":"cost"\}/),
    ]);
  });

  it('stops an undocumented status, an error code not documented for that status, and the wrong content type', () => {
    expect(problemsOf(answer('GET', `/api/products/${newId()}`, 418, problem(418, 'TEAPOT')))).toEqual([
      expect.stringMatching(/^status 418 is not documented \(only 200, 304, 400, .*\)/),
    ]);
    expect(problemsOf(answer('GET', `/api/products/${newId()}`, 404, problem(404, 'ORDER.NOT_FOUND')))).toEqual([
      expect.stringMatching(
        /^body\/code must be equal to one of the allowed values \{"allowedValues":\["PRODUCT.NOT_FOUND"\]\}/,
      ),
    ]);
    expect(
      problemsOf(
        answer('GET', `/api/products/${newId()}`, 404, problem(404, 'PRODUCT.NOT_FOUND'), {
          'content-type': 'application/json',
        }),
      ),
    ).toEqual(['content type application/json is not the documented application/problem+json']);
  });

  it('stops an answer without X-Request-Id and a header whose value its schema does not allow', () => {
    const withoutId = answer('GET', '/api/products', 200, { items: [], page: 1, limit: 20, total: 0, totalPages: 0 });
    expect(
      problemsOf({
        ...withoutId,
        header: (name) => (name.toLowerCase() === 'x-request-id' ? undefined : withoutId.header(name)),
      }),
    ).toEqual(['header X-Request-Id is required but missing']);
    expect(
      problemsOf(answer('GET', '/api/products', 429, problem(429, 'RATE_LIMIT.EXCEEDED'), { 'retry-after': 'soon' })),
    ).toEqual([expect.stringMatching(/^header Retry-After: "soon" must match pattern/)]);
  });

  it('leaves alone what the document does not describe: internal routes, /health, /metrics, methods it does not list', () => {
    for (const [method, path] of [
      ['GET', '/health'],
      ['GET', '/metrics'],
      ['POST', '/reservations'],
      ['GET', `/products/${newId()}/inventory`],
      ['DELETE', `/api/products/${newId()}`],
      ['GET', '/services'],
    ] as const) {
      expect(check(answer(method, path, 200, { anything: true }))).toMatchObject({ outcome: 'skipped' });
    }
  });

  it('reads /api/orders/live as that operation, not as an order id', () => {
    expect(check(answer('GET', '/api/orders/live', 426, problem(426, 'LIVE.UPGRADE_REQUIRED')))).toMatchObject({
      operationId: 'openLiveFeed',
    });
  });

  it('fails a supertest request whose answer the document does not allow, naming the request, the problem and the body', async () => {
    const app = express().get('/products/:id', (_req, res) => {
      res.set('x-request-id', 'req-1').json({ ...product(), price: 'free' });
    });
    const failure = await request(app)
      .get(`/products/${newId()}`)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(ContractMismatchError);
    const message = (failure as Error).message;
    expect(message).toMatch(
      /^GET \/products\/[a-f\d]{24} answered 200, which openapi\.json does not allow for getProduct:/,
    );
    expect(message).toContain('body/price must be number');
    expect(message).toContain('"price":"free"');
  });

  it('lets a supertest request through when its own expectation fails first, reporting that one', async () => {
    const app = express().get('/products/:id', (_req, res) => {
      res.json({ price: 'free' });
    });
    await expect(request(app).get(`/products/${newId()}`).expect(201)).rejects.toThrow(
      'expected 201 "Created", got 200 "OK"',
    );
  });

  describe('the typed client of the end-to-end tests', () => {
    const products = new Map<string, unknown>();
    const server = express()
      .get('/api/products/:id', (req, res) => {
        res.set('x-request-id', 'req-1').json(products.get(req.params.id));
      })
      .listen(0, '127.0.0.1');
    afterAll(() => new Promise((resolve) => server.close(resolve)));
    const api = () => createApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

    it('gives the typed body of an answer the document allows', async () => {
      const id = newId();
      products.set(id, { ...product(), id });
      const { data } = await api().GET('/api/products/{id}', { params: { path: { id } } });
      expect(data?.id).toBe(id);
    });

    it('fails the call when the answer drifted from the document', async () => {
      const id = newId();
      products.set(id, { ...product(), id, stock: -1 });
      await expect(api().GET('/api/products/{id}', { params: { path: { id } } })).rejects.toThrow(
        /GET \/api\/products\/[a-f\d]{24} answered 200, which openapi\.json does not allow for getProduct:\n {2}- body\/stock must be >= 0/,
      );
    });
  });
});

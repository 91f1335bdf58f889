import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CircuitOpenError,
  UpstreamError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  withRequestId,
} from '@shop/shared/core';
import { fixedEndpoint, type Endpoint } from '@shop/shared/discovery';
import { ServiceClient, type ServiceClientOptions } from '@shop/shared/service-client';

/** A real HTTP server on a free port; `handle` decides each answer, `requests` records what arrived. */
interface TestServer {
  url: string;
  port: number;
  requests: http.IncomingMessage[];
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, index: number) => void;

const servers: TestServer[] = [];
const clients: ServiceClient[] = [];

async function startServer(handle: Handler, port = 0): Promise<TestServer> {
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    // Read the body fully before answering so the client never sees a reset.
    req.resume();
    req.on('end', () => handle(req, res, requests.length));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as AddressInfo).port;
  const testServer: TestServer = {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(testServer);
  return testServer;
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function client(options: Partial<ServiceClientOptions> & { endpoint: Endpoint }): ServiceClient {
  const created = new ServiceClient({
    name: 'test-target',
    timeoutMs: 1000,
    deadlineMs: 3000,
    retries: 2,
    backoff: { baseMs: 5, maxMs: 20 },
    registry: new Registry(),
    ...options,
  });
  clients.push(created);
  return created;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

afterEach(async () => {
  for (const created of clients.splice(0)) created.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('ServiceClient', () => {
  it('returns the parsed JSON body of a 2xx answer', async () => {
    const server = await startServer((_req, res) => json(res, 200, { hello: 'world' }));
    await expect(
      client({ endpoint: fixedEndpoint(server.url) }).request({ method: 'GET', path: '/hello' }),
    ).resolves.toEqual({
      hello: 'world',
    });
  });

  it('sends a JSON body with its length and keeps a path that looks like a URL on the target', async () => {
    const server = await startServer((_req, res) => json(res, 200, {}));
    const elsewhere = await startServer((_req, res) => json(res, 200, {}));
    const target = client({ endpoint: fixedEndpoint(server.url) });
    await target.request({ method: 'POST', path: '/orders', body: { name: 'café' } });
    await target.request({ method: 'GET', path: `${elsewhere.url}/steal` });
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
    expect(server.requests[0]?.headers['content-length']).toBe(String(Buffer.byteLength('{"name":"café"}')));
    expect(server.requests).toHaveLength(2);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('follows no redirect: a 302 is an answer like any other', async () => {
    const elsewhere = await startServer((_req, res) => json(res, 200, {}));
    const server = await startServer((_req, res) => json(res, 302, {}, { location: `${elsewhere.url}/x` }));
    const error = await failure(client({ endpoint: fixedEndpoint(server.url) }).request({ method: 'GET', path: '/x' }));
    expect(error).toMatchObject({ upstreamStatus: 302 });
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('refuses an answer larger than 10 MiB as unavailable, without retrying a plain POST', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`"${'x'.repeat(10 * 1024 * 1024)}"`);
    });
    const error = await failure(
      client({ endpoint: fixedEndpoint(server.url) }).request({ method: 'POST', path: '/big', body: {} }),
    );
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(server.requests).toHaveLength(1);
  });

  describe('retries', () => {
    const flaky: Handler = (_req, res, index) =>
      index < 3 ? json(res, 503, { code: 'DOWN' }) : json(res, 200, { ok: true });

    it('retries a GET answered 503 until it succeeds', async () => {
      const server = await startServer(flaky);
      await expect(
        client({ endpoint: fixedEndpoint(server.url) }).request({ method: 'GET', path: '/x' }),
      ).resolves.toEqual({
        ok: true,
      });
      expect(server.requests).toHaveLength(3);
    });

    it('retries a POST that carries an idempotency key', async () => {
      const server = await startServer(flaky);
      const call = client({ endpoint: fixedEndpoint(server.url) }).request({
        method: 'POST',
        path: '/x',
        body: { a: 1 },
        headers: { 'Idempotency-Key': 'k1' },
      });
      await expect(call).resolves.toEqual({ ok: true });
      expect(server.requests).toHaveLength(3);
    });

    it('does not retry a plain POST', async () => {
      const server = await startServer(flaky);
      const error = await failure(
        client({ endpoint: fixedEndpoint(server.url) }).request({ method: 'POST', path: '/x', body: { a: 1 } }),
      );
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).upstreamStatus).toBe(503);
      expect(server.requests).toHaveLength(1);
    });

    it('gives up after the configured retries with the last answer', async () => {
      const server = await startServer((_req, res) => json(res, 502, { code: 'BAD_GATEWAY' }));
      const error = await failure(
        client({ endpoint: fixedEndpoint(server.url), retries: 2 }).request({ method: 'GET', path: '/x' }),
      );
      expect(error).toMatchObject({ upstreamStatus: 502, upstreamCode: 'BAD_GATEWAY' });
      expect(server.requests).toHaveLength(3);
    });

    it('does not retry a 500', async () => {
      const server = await startServer((_req, res) => json(res, 500, { code: 'INTERNAL' }));
      const error = await failure(
        client({ endpoint: fixedEndpoint(server.url) }).request({ method: 'GET', path: '/x' }),
      );
      expect(error).toMatchObject({ upstreamStatus: 500 });
      expect(server.requests).toHaveLength(1);
    });

    it('retries a GET after a refused connection and answers UpstreamUnavailableError when all fail', async () => {
      const server = await startServer(() => undefined);
      await server.close();
      const error = await failure(
        client({ endpoint: fixedEndpoint(server.url) }).request({ method: 'GET', path: '/x' }),
      );
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect((error as Error).message).toBe('test-target is unavailable');
    });

    it('waits as long as Retry-After asks on a 429', async () => {
      const server = await startServer((_req, res, index) =>
        index === 1 ? json(res, 429, { code: 'SLOW_DOWN' }, { 'Retry-After': '1' }) : json(res, 200, { ok: true }),
      );
      const started = Date.now();
      await expect(
        client({ endpoint: fixedEndpoint(server.url) }).request({ method: 'GET', path: '/x' }),
      ).resolves.toEqual({
        ok: true,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(990);
      expect(server.requests).toHaveLength(2);
    });

    it('gives up at once when Retry-After reaches past the deadline', async () => {
      const server = await startServer((_req, res) => json(res, 429, { code: 'SLOW_DOWN' }, { 'Retry-After': '30' }));
      const started = Date.now();
      const error = await failure(
        client({ endpoint: fixedEndpoint(server.url), deadlineMs: 2000 }).request({ method: 'GET', path: '/x' }),
      );
      expect(Date.now() - started).toBeLessThan(500);
      expect(error).toMatchObject({ upstreamStatus: 429, upstreamCode: 'SLOW_DOWN' });
      expect(server.requests).toHaveLength(1);
    });
  });

  describe('connections that break', () => {
    /** Sends the head and half a body, then drops the connection. */
    const dropMidAnswer: Handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"half":');
      setTimeout(() => res.socket?.destroy(), 10);
    };

    it('retries a GET whose answer was cut off, and answers UpstreamUnavailableError when every attempt is', async () => {
      const server = await startServer(dropMidAnswer);
      const error = await failure(
        client({ endpoint: fixedEndpoint(server.url), retries: 2 }).request({ method: 'GET', path: '/x' }),
      );
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect(error).toMatchObject({ status: 503, code: 'UPSTREAM.UNAVAILABLE' });
      expect(server.requests).toHaveLength(3);
    });

    it('never repeats a plain POST whose answer was cut off: it may have been applied', async () => {
      const server = await startServer(dropMidAnswer);
      const error = await failure(
        client({ endpoint: fixedEndpoint(server.url), retries: 2 }).request({ method: 'POST', path: '/x', body: {} }),
      );
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect(server.requests).toHaveLength(1);
    });
  });

  describe('several instances', () => {
    /** The first instance a call has not tried yet; records those the client reported failed. */
    function pool(urls: string[]): Endpoint & { failed: string[] } {
      const failed: string[] = [];
      return {
        failed,
        pick: (tried) => urls.find((url) => tried?.has(url) !== true),
        markFailed: (url) => failed.push(url),
      };
    }

    it('a retry after a dropped or silent instance goes to another instance, and the failed one is reported', async () => {
      const dropping = await startServer((_req, res) => res.socket?.destroy());
      const silent = await startServer(() => undefined);
      const live = await startServer((_req, res) => json(res, 200, { ok: true }));
      const endpoint = pool([dropping.url, silent.url, live.url]);
      const answer = await client({ endpoint, retries: 2, timeoutMs: 300, backoff: { baseMs: 1, maxMs: 1 } }).request({
        method: 'GET',
        path: '/x',
      });
      expect(answer).toEqual({ ok: true });
      expect(endpoint.failed).toEqual([dropping.url, silent.url]);
      expect(live.requests).toHaveLength(1);
    });
  });

  describe('waits between attempts', () => {
    it('draws each backoff from the injected random source (0: no wait at all)', async () => {
      const server = await startServer((_req, res, index) =>
        index < 3 ? json(res, 503, {}) : json(res, 200, { ok: true }),
      );
      let draws = 0;
      const random = () => {
        draws++;
        return 0;
      };
      const started = Date.now();
      await expect(
        client({ endpoint: fixedEndpoint(server.url), backoff: { baseMs: 2000, maxMs: 2000 }, random }).request({
          method: 'GET',
          path: '/x',
        }),
      ).resolves.toEqual({ ok: true });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(draws).toBe(2);
    });

    it('waits until the HTTP date a 503 names in Retry-After', async () => {
      const server = await startServer((_req, res, index) =>
        index === 1
          ? json(res, 503, {}, { 'Retry-After': new Date(Date.now() + 2000).toUTCString() })
          : json(res, 200, { ok: true }),
      );
      const started = Date.now();
      await expect(
        client({ endpoint: fixedEndpoint(server.url), deadlineMs: 4000 }).request({ method: 'GET', path: '/x' }),
      ).resolves.toEqual({ ok: true });
      // toUTCString drops the milliseconds, so the wait is between 1 and 2 seconds.
      expect(Date.now() - started).toBeGreaterThanOrEqual(990);
      expect(server.requests).toHaveLength(2);
    });
  });

  describe('timeouts', () => {
    it('ends a slow attempt with UpstreamTimeoutError', async () => {
      const server = await startServer(() => undefined); // never answers
      const started = Date.now();
      const error = await failure(
        client({ endpoint: fixedEndpoint(server.url), timeoutMs: 100, retries: 0 }).request({
          method: 'GET',
          path: '/slow',
        }),
      );
      expect(error).toBeInstanceOf(UpstreamTimeoutError);
      expect(Date.now() - started).toBeLessThan(400);
    });

    it('bounds all attempts together by the deadline', async () => {
      const server = await startServer(() => undefined);
      const started = Date.now();
      const call = client({
        endpoint: fixedEndpoint(server.url),
        timeoutMs: 200,
        deadlineMs: 500,
        retries: 10,
      }).request({
        method: 'GET',
        path: '/slow',
      });
      const error = await failure(call);
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(UpstreamTimeoutError);
      expect(elapsed).toBeLessThan(500 + 100);
      expect(server.requests.length).toBeGreaterThanOrEqual(2);
    });
  });

  describe('error answers', () => {
    it('maps a 409 to UpstreamError with its status, code and problem, without retrying or tripping the breaker', async () => {
      const server = await startServer((_req, res) =>
        json(res, 409, { status: 409, code: 'STOCK.INSUFFICIENT', detail: 'Not enough stock', productId: 'p1' }),
      );
      const target = client({
        endpoint: fixedEndpoint(server.url),
        breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 },
      });
      for (let i = 0; i < 5; i++) {
        const error = await failure(
          target.request({ method: 'POST', path: '/reservations', headers: { 'idempotency-key': 'o1' } }),
        );
        expect(error).toBeInstanceOf(UpstreamError);
        expect(error).toMatchObject({
          upstreamStatus: 409,
          upstreamCode: 'STOCK.INSUFFICIENT',
          problem: { detail: 'Not enough stock', productId: 'p1' },
        });
      }
      expect(server.requests).toHaveLength(5);
    });

    it('never puts the URL or host in an error message', async () => {
      const server = await startServer(() => undefined);
      await server.close();
      const error = await failure(
        client({ endpoint: fixedEndpoint(server.url), retries: 0 }).request({ method: 'GET', path: '/secret-path' }),
      );
      const text = `${(error as Error).message} ${String((error as Error).cause)}`;
      expect(text).not.toContain('127.0.0.1');
      expect(text).not.toContain(String(server.port));
      expect(text).not.toContain('secret-path');
    });
  });

  describe('circuit breaker', () => {
    it('opens after consecutive failures, fails fast without calling, then lets one trial call close it', async () => {
      const probe = await startServer(() => undefined);
      const port = probe.port;
      await probe.close(); // nothing listens on the port now: ECONNREFUSED
      const target = client({
        endpoint: fixedEndpoint(probe.url),
        retries: 0,
        breaker: { consecutiveFailures: 3, halfOpenAfterMs: 300 },
      });

      for (let i = 0; i < 3; i++) {
        expect(await failure(target.request({ method: 'GET', path: '/x' }))).toBeInstanceOf(UpstreamUnavailableError);
      }

      const server = await startServer((_req, res) => json(res, 200, { ok: true }), port);
      const started = performance.now();
      const error = await failure(target.request({ method: 'GET', path: '/x' }));
      expect(performance.now() - started).toBeLessThan(20);
      expect(error).toBeInstanceOf(CircuitOpenError);
      expect(error).toMatchObject({ status: 503, code: 'UPSTREAM.CIRCUIT_OPEN', headers: { 'Retry-After': '1' } });
      expect(server.requests).toHaveLength(0);

      await new Promise((resolve) => setTimeout(resolve, 320));
      await expect(target.request({ method: 'GET', path: '/x' })).resolves.toEqual({ ok: true });
      await expect(target.request({ method: 'GET', path: '/x' })).resolves.toEqual({ ok: true });
      expect(server.requests).toHaveLength(2);
    });

    it('lets one trial call through while half-open and re-opens when it fails', async () => {
      let healthy = false;
      const server = await startServer((_req, res) => (healthy ? json(res, 200, { ok: true }) : json(res, 503, {})));
      const target = client({
        endpoint: fixedEndpoint(server.url),
        retries: 0,
        breaker: { consecutiveFailures: 2, halfOpenAfterMs: 200 },
      });
      await failure(target.request({ method: 'GET', path: '/x' }));
      await failure(target.request({ method: 'GET', path: '/x' }));
      expect(await failure(target.request({ method: 'GET', path: '/x' }))).toBeInstanceOf(CircuitOpenError);
      expect(server.requests).toHaveLength(2);

      await new Promise((resolve) => setTimeout(resolve, 220));
      // The trial fails: open again, for another halfOpenAfter.
      expect(await failure(target.request({ method: 'GET', path: '/x' }))).toMatchObject({ upstreamStatus: 503 });
      expect(await failure(target.request({ method: 'GET', path: '/x' }))).toBeInstanceOf(CircuitOpenError);
      expect(server.requests).toHaveLength(3);

      healthy = true;
      await new Promise((resolve) => setTimeout(resolve, 220));
      const trial = target.request({ method: 'GET', path: '/x' });
      // While the trial is in flight, other calls fail fast.
      expect(await failure(target.request({ method: 'GET', path: '/x' }))).toBeInstanceOf(CircuitOpenError);
      await expect(trial).resolves.toEqual({ ok: true });
      await expect(target.request({ method: 'GET', path: '/x' })).resolves.toEqual({ ok: true });
      expect(server.requests).toHaveLength(5);
    });

    it('lets a caller check the breaker before doing work: it throws while open and not once the trial is due', async () => {
      const server = await startServer((_req, res) => json(res, 503, {}));
      const target = client({
        endpoint: fixedEndpoint(server.url),
        retries: 0,
        breaker: { consecutiveFailures: 1, halfOpenAfterMs: 200 },
      });
      expect(() => target.assertCircuitClosed()).not.toThrow();
      await failure(target.request({ method: 'GET', path: '/x' }));
      expect(() => target.assertCircuitClosed()).toThrow(CircuitOpenError);
      await new Promise((resolve) => setTimeout(resolve, 220));
      expect(() => target.assertCircuitClosed()).not.toThrow();
    });

    it('marks a circuit-open failure as "sent" when an earlier attempt of the same call went out', async () => {
      const server = await startServer((_req, res) => json(res, 503, {}));
      const target = client({
        endpoint: fixedEndpoint(server.url),
        retries: 2,
        breaker: { consecutiveFailures: 1, halfOpenAfterMs: 10_000 },
      });
      const first = await failure(target.request({ method: 'GET', path: '/x' }));
      expect(first).toMatchObject({ code: 'UPSTREAM.CIRCUIT_OPEN', wasRequestSent: true });
      const second = await failure(target.request({ method: 'GET', path: '/x' }));
      expect(second).toMatchObject({ code: 'UPSTREAM.CIRCUIT_OPEN', wasRequestSent: false });
      expect(server.requests).toHaveLength(1);
    });

    it('says in Retry-After how many seconds remain until the trial call', async () => {
      const server = await startServer((_req, res) => json(res, 503, {}));
      const target = client({
        endpoint: fixedEndpoint(server.url),
        retries: 0,
        breaker: { consecutiveFailures: 1, halfOpenAfterMs: 10_000 },
      });
      await failure(target.request({ method: 'GET', path: '/x' }));
      const error = await failure(target.request({ method: 'GET', path: '/x' }));
      expect(error).toMatchObject({ retryAfterSeconds: 10, headers: { 'Retry-After': '10' } });
    });

    it('keeps one breaker per client, so one failing target does not block another', async () => {
      const down = await startServer((_req, res) => json(res, 503, {}));
      const up = await startServer((_req, res) => json(res, 200, { ok: true }));
      const registry = new Registry();
      const a = client({
        name: 'a',
        endpoint: fixedEndpoint(down.url),
        retries: 0,
        registry,
        breaker: { consecutiveFailures: 1 },
      });
      const b = client({
        name: 'b',
        endpoint: fixedEndpoint(up.url),
        retries: 0,
        registry,
        breaker: { consecutiveFailures: 1 },
      });
      await failure(a.request({ method: 'GET', path: '/x' }));
      expect(await failure(a.request({ method: 'GET', path: '/x' }))).toBeInstanceOf(CircuitOpenError);
      await expect(b.request({ method: 'GET', path: '/x' })).resolves.toEqual({ ok: true });
    });
  });

  it('forwards the request id', async () => {
    const server = await startServer((_req, res) => json(res, 200, {}));
    await withRequestId('req-123', () =>
      client({ endpoint: fixedEndpoint(server.url) }).request({ method: 'GET', path: '/x' }),
    );
    expect(server.requests[0]?.headers['x-request-id']).toBe('req-123');
  });

  it('reuses connections (keep-alive)', async () => {
    const server = await startServer((_req, res) => json(res, 200, {}));
    const target = client({ endpoint: fixedEndpoint(server.url) });
    await target.request({ method: 'GET', path: '/x' });
    await target.request({ method: 'GET', path: '/x' });
    expect(server.requests[0]?.socket).toBe(server.requests[1]?.socket);
  });

  it('counts attempts, retries, calls and circuit state in the registry, once per registry', async () => {
    const server = await startServer((req, res, index) =>
      req.url === '/flaky' && index === 1 ? json(res, 503, {}) : json(res, 200, {}),
    );
    const registry = new Registry();
    const users = client({ name: 'user-service', endpoint: fixedEndpoint(server.url), registry });
    const products = client({
      name: 'product-service',
      endpoint: fixedEndpoint(server.url),
      registry,
      retries: 0,
      breaker: { consecutiveFailures: 1 },
    });
    await users.request({ method: 'GET', path: '/flaky' });
    await server.close();
    await failure(products.request({ method: 'GET', path: '/x' }));
    await failure(products.request({ method: 'GET', path: '/x' }));

    const text = await registry.metrics();
    expect(text).toContain('service_client_attempts_total{target="user-service",outcome="upstream_error"} 1');
    expect(text).toContain('service_client_attempts_total{target="user-service",outcome="success"} 1');
    expect(text).toContain('service_client_retries_total{target="user-service"} 1');
    expect(text).toContain('service_client_requests_total{target="user-service",outcome="success"} 1');
    expect(text).toContain('service_client_requests_total{target="product-service",outcome="unavailable"} 1');
    expect(text).toContain('service_client_requests_total{target="product-service",outcome="circuit_open"} 1');
    expect(text).toContain('service_client_circuit_state{target="user-service"} 0');
    expect(text).toContain('service_client_circuit_state{target="product-service"} 2');
    expect(text).toContain('service_client_circuit_transitions_total{target="product-service",to="open"} 1');
  });
});

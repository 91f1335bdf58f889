import { connect } from 'node:net';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { bearer, sampleSum } from '@shop/test-support';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useGateways } from './harness';
import { expectProblem, freePort, rawRequest } from './support';

const id = 'a'.repeat(24);

/** Every test starts its own gateway (its own limits); all are closed after the file. */
const gateway = useGateways();

/** GETs `url` and waits until the answer ends or breaks off: its status and whether it was complete. */
function readToTheEnd(url: URL): Promise<{ status: number; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      res.resume();
      res.on('error', () => undefined);
      res.on('close', () => resolve({ status: res.statusCode ?? 0, complete: res.complete }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An upstream handler that answers only after `ms`, and forgets its timer when the connection goes. */
function answerAfter(ms: number, onClose?: (finished: boolean) => void) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    const timer = setTimeout(() => res.setHeader('content-type', 'application/json').end('{"late":true}'), ms);
    res.on('close', () => {
      clearTimeout(timer);
      onClose?.(res.writableFinished);
    });
  };
}

describe('an upstream that is down', () => {
  it('answers 503 UPSTREAM.UNAVAILABLE quickly, with Retry-After and without revealing where the upstream lives', async () => {
    const closedPort = await freePort();
    const gw = await gateway({}, { 'product-service': `http://127.0.0.1:${closedPort}` });
    const started = Date.now();
    const res = await request(gw.url).get(`/api/products/${id}`);
    expect(Date.now() - started).toBeLessThan(1000);
    expectProblem(res, 503, 'UPSTREAM.UNAVAILABLE');
    expect(res.headers['retry-after']).toBe('1');
    expect(res.text).not.toMatch(/127\.0\.0\.1|http:\/|:\d{4,5}\b|ECONNREFUSED/);

    // the other upstreams and the gateway itself are unaffected
    expect((await request(gw.url).get('/api/users/me').set(bearer('user'))).status).toBe(200);
    expect((await request(gw.url).get('/health')).status).toBe(200);
  });

  it.each([
    [
      'POST /api/orders (streamed body)',
      'order-service',
      (url: string) =>
        request(url)
          .post('/api/orders')
          .set(bearer('user'))
          .send({ items: [{ productId: id, quantity: 1 }] }),
    ],
    [
      'POST /api/auth/login (body read by the gateway)',
      'user-service',
      (url: string) => request(url).post('/api/auth/login').send({ email: 'a@example.com', password: 'password123' }),
    ],
  ] as const)('%s to a down upstream also answers 503 UPSTREAM.UNAVAILABLE', async (_label, upstream, send) => {
    const closedPort = await freePort();
    const gw = await gateway({}, { [upstream]: `http://127.0.0.1:${closedPort}` });
    const started = Date.now();
    const res = await send(gw.url);
    expect(Date.now() - started).toBeLessThan(1000);
    expectProblem(res, 503, 'UPSTREAM.UNAVAILABLE');
    expect(res.text).not.toMatch(/127\.0\.0\.1|http:\//);
  });
});

describe('a slow upstream', () => {
  it('answers 504 UPSTREAM.TIMEOUT after upstreamTimeoutMs, and the gateway keeps serving', async () => {
    const gw = await gateway({ upstreamTimeoutMs: 300 });
    let upstreamClosedEarly = false;
    gw.upstreams['product-service'].handle = answerAfter(3000, (finished) => {
      upstreamClosedEarly = !finished;
    });
    const started = Date.now();
    const res = await request(gw.url).get(`/api/products/${id}`);
    const elapsed = Date.now() - started;
    expectProblem(res, 504, 'UPSTREAM.TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(1500);
    expect(res.text).not.toMatch(/127\.0\.0\.1|http:\//);
    await expect.poll(() => upstreamClosedEarly, { timeout: 1000 }).toBe(true); // the gateway gave up the upstream request too

    gw.upstreams['product-service'].handle = answerAfter(0);
    const after = await request(gw.url).get(`/api/products/${id}`);
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ late: true });
  });

  it('an upstream that sends its headers and then stalls mid-body does not hang the client: the connection is cut after the timeout', async () => {
    const gw = await gateway({ upstreamTimeoutMs: 300 });
    gw.upstreams['product-service'].handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"partial":');
    };
    const started = Date.now();
    const outcome = await readToTheEnd(new URL(`/api/products/${id}`, gw.url));
    expect(outcome).toEqual({ status: 200, complete: false });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('an upstream that dies in the middle of its answer does not leave the client waiting: the connection is cut at once', async () => {
    const gw = await gateway({ upstreamTimeoutMs: 10_000 });
    gw.upstreams['product-service'].handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":', () => res.socket?.destroy());
    };
    const started = Date.now();
    const outcome = await readToTheEnd(new URL(`/api/products/${id}`, gw.url));
    expect(outcome).toEqual({ status: 200, complete: false });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a timeout applies to each request, not to a kept-alive connection that served a quick one before', async () => {
    const gw = await gateway({ upstreamTimeoutMs: 300 });
    gw.upstreams['product-service'].handle = answerAfter(200);
    for (let i = 0; i < 4; i++) {
      const res = await request(gw.url).get(`/api/products/${id}`);
      expect(res.status, `request ${i}: ${res.text}`).toBe(200);
    }
  });
});

describe('a client that disconnects', () => {
  it('takes its upstream request with it, and the gateway still answers afterwards', async () => {
    const gw = await gateway();
    let upstreamClosedAfter: number | undefined;
    let upstreamFinished: boolean | undefined;
    let startedAt = 0;
    const reachedUpstream = new Promise<void>((resolve) => {
      gw.upstreams['product-service'].handle = (req, res) => {
        resolve();
        answerAfter(3000, (finished) => {
          upstreamClosedAfter = Date.now() - startedAt;
          upstreamFinished = finished;
        })(req, res);
      };
    });

    startedAt = Date.now();
    const client = httpRequest(new URL(`/api/products/${id}`, gw.url), { agent: false });
    client.on('error', () => undefined); // the socket hang-up we cause ourselves
    client.end();
    await reachedUpstream;
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.destroy();

    await expect.poll(() => upstreamClosedAfter, { timeout: 2000 }).toBeDefined();
    expect(upstreamFinished).toBe(false);
    expect(upstreamClosedAfter).toBeLessThan(1500);

    gw.upstreams['product-service'].handle = answerAfter(0);
    expect((await request(gw.url).get(`/api/products/${id}`)).status).toBe(200);
    expect((await request(gw.url).get('/health')).status).toBe(200);
  });
});

describe('request bodies', () => {
  it('a huge announced body is refused with 413 and the connection closed at once, not drained', async () => {
    const gw = await gateway({ bodyLimitBytes: 1024 });
    const { hostname, port } = new URL(gw.url);
    const started = Date.now();
    const { answer, closedAfterMs } = await new Promise<{ answer: string; closedAfterMs: number }>((resolve) => {
      let answer = '';
      const socket = connect({ host: hostname, port: Number(port) }, () => {
        socket.write(
          'POST /api/auth/register HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 4000000000\r\n\r\n{',
        );
      });
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ answer, closedAfterMs: Date.now() - started }));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toMatch(/connection: close/i);
    expect(closedAfterMs).toBeLessThan(5000);
  });

  it('a Content-Length above bodyLimitBytes gets 413 REQUEST.TOO_LARGE and never reaches the upstream', async () => {
    const gw = await gateway({ bodyLimitBytes: 1024 });
    const before = gw.upstreams['user-service'].requests.length + gw.upstreams['order-service'].requests.length;
    const body = JSON.stringify({ name: 'x'.repeat(2000) });
    expectProblem(
      await request(gw.url).post('/api/auth/register').set('content-type', 'application/json').send(body),
      413,
      'REQUEST.TOO_LARGE',
    );
    expectProblem(
      await request(gw.url).post('/api/auth/login').set('content-type', 'application/json').send(body),
      413,
      'REQUEST.TOO_LARGE',
    );
    expectProblem(
      await request(gw.url).post('/api/orders').set(bearer('user')).set('content-type', 'application/json').send(body),
      413,
      'REQUEST.TOO_LARGE',
    );
    expect(gw.upstreams['user-service'].requests.length + gw.upstreams['order-service'].requests.length).toBe(before);

    // exactly at the limit still passes
    const atLimit = JSON.stringify({ name: 'x'.repeat(1024 - 11) });
    expect(Buffer.byteLength(atLimit)).toBe(1024);
    expect(
      (await request(gw.url).post('/api/auth/register').set('content-type', 'application/json').send(atLimit)).status,
    ).toBe(200);
  });

  it('a chunked body without Content-Length gets 411 REQUEST.LENGTH_REQUIRED and never reaches the upstream', async () => {
    const gw = await gateway();
    const before = gw.upstreams['user-service'].requests.length;
    const res = await rawRequest(
      gw.url,
      {
        method: 'POST',
        path: '/api/auth/register',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      },
      (req) => {
        req.write('{"name":');
        req.end('"chunked"}');
      },
    );
    expectProblem(res, 411, 'REQUEST.LENGTH_REQUIRED');
    expect(gw.upstreams['user-service'].requests.length).toBe(before);
  });
});

describe('upstream failures on /metrics', () => {
  it('each failed attempt is counted by upstream and kind: refused, timed out; a good answer counts none', async () => {
    const closedPort = await freePort();
    const gw = await gateway({ upstreamTimeoutMs: 300 }, { 'user-service': `http://127.0.0.1:${closedPort}` });
    const errors = async (target: string, kind: string) =>
      sampleSum((await request(gw.url).get('/metrics')).text, 'gateway_upstream_errors_total', { target, kind });

    expect((await request(gw.url).get(`/api/products/${id}`)).status).toBe(200);
    expect(sampleSum((await request(gw.url).get('/metrics')).text, 'gateway_upstream_errors_total')).toBe(0);

    expect((await request(gw.url).get('/api/users/me').set(bearer('user'))).status).toBe(503);
    expect(await errors('user-service', 'connect_refused')).toBe(1);

    gw.upstreams['product-service'].handle = answerAfter(3000);
    expect((await request(gw.url).get(`/api/products/${id}`)).status).toBe(504);
    expect(await errors('product-service', 'timeout')).toBe(1);
  });
});

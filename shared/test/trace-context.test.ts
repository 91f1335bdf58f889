import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@shop/shared/core';
import { fixedEndpoint } from '@shop/shared/discovery';
import { createHttpMetrics, createServiceApp, serviceRouter } from '@shop/shared/http';
import { ServiceClient } from '@shop/shared/service-client';

/**
 * A service (the shared app, its real logger writing into `lines`) whose one route logs a line
 * and calls a downstream service through a ServiceClient; the downstream is a real HTTP server
 * that records the headers it gets.
 */
const lines: Record<string, unknown>[] = [];
const downstreamHeaders: http.IncomingHttpHeaders[] = [];
let downstream: http.Server;
let client: ServiceClient;
let app: ReturnType<typeof createServiceApp>;

beforeAll(async () => {
  downstream = http.createServer((req, res) => {
    downstreamHeaders.push(req.headers);
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });
  await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
  client = new ServiceClient({
    name: 'downstream',
    endpoint: fixedEndpoint(`http://127.0.0.1:${(downstream.address() as AddressInfo).port}`),
    registry: new Registry(),
  });
  const logger = createLogger(
    'traced',
    'info',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    }),
  );
  app = createServiceApp({
    logger,
    metrics: createHttpMetrics('traced', logger),
    bodyLimitBytes: 10_000,
    readiness: [],
    routes: (service) => {
      const router = serviceRouter();
      router.get('/relay', async (_req, res) => {
        logger.info('relaying');
        await client.request({ method: 'GET', path: '/downstream' });
        res.json({ ok: true });
      });
      service.use(router);
    },
  });
});

afterAll(async () => {
  client.close();
  downstream.closeAllConnections();
  await new Promise((resolve) => downstream.close(resolve));
});

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';
const STRICT_TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;

/** One call to /relay with the given headers: what the service logged for it, and what the downstream got. */
async function relay(headers: Record<string, string>) {
  const requestId = `trace-test-${Math.random().toString(36).slice(2)}`;
  const res = await request(app)
    .get('/relay')
    .set({ 'x-request-id': requestId, ...headers });
  expect(res.status).toBe(200);
  const received = downstreamHeaders.find((h) => h['x-request-id'] === requestId);
  expect(received, 'the downstream was called with the request id').toBeDefined();
  // The request line is written when the answer is finished, which may be just after it arrives.
  const logged = await vi.waitFor(() => {
    const own = lines.filter((line) => line.requestId === requestId);
    expect(own.map((line) => line.msg)).toEqual(['relaying', 'request']);
    return own;
  });
  return { logged, received: received! };
}

describe('W3C trace context in a service', () => {
  it('a request with a traceparent is logged with its trace id, and the ServiceClient sends the same trace id with this service’s span as the parent', async () => {
    const { logged, received } = await relay({
      traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
      tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    });
    for (const line of logged) expect(line).toMatchObject({ traceId: TRACE_ID });
    const [, traceId, parentId, flags] = STRICT_TRACEPARENT.exec(String(received.traceparent)) ?? [];
    expect(traceId).toBe(TRACE_ID);
    expect(parentId).toMatch(/^[0-9a-f]{16}$/);
    expect(parentId).not.toBe(PARENT_ID);
    expect(flags).toBe('01');
    expect(received.tracestate).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
  });

  it('the caller’s unsampled flag is kept on the way on', async () => {
    const { received } = await relay({ traceparent: `00-${TRACE_ID}-${PARENT_ID}-00` });
    expect(received.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`));
  });

  it.each([
    ['uppercase', `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${PARENT_ID}-01`],
    ['version ff', `ff-${TRACE_ID}-${PARENT_ID}-01`],
    ['a fifth field in version 00', `00-${TRACE_ID}-${PARENT_ID}-01-ab`],
    ['garbage', 'not-a-traceparent'],
  ])(
    'a traceparent that is invalid (%s) starts a fresh trace, logged and sent on, and its tracestate is dropped',
    async (_label, traceparent) => {
      const { logged, received } = await relay({ traceparent, tracestate: 'congo=t61rcWkgMzE' });
      const traceId = logged[0]?.traceId;
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(traceId).not.toBe(TRACE_ID);
      expect(traceId).not.toBe('0'.repeat(32));
      for (const line of logged) expect(line.traceId).toBe(traceId);
      expect(received.traceparent).toMatch(new RegExp(`^00-${String(traceId)}-[0-9a-f]{16}-01$`));
      expect(received.tracestate).toBeUndefined();
    },
  );

  it('a request without a traceparent gets a trace of its own, different for each request', async () => {
    const first = await relay({});
    const second = await relay({});
    const firstTraceId = first.logged[0]?.traceId;
    expect(firstTraceId).toMatch(/^[0-9a-f]{32}$/);
    expect(second.logged[0]?.traceId).not.toBe(firstTraceId);
    expect(first.received.traceparent).toMatch(new RegExp(`^00-${String(firstTraceId)}-[0-9a-f]{16}-01$`));
  });
});

import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '@shop/shared/core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGatewayMetrics } from '../src/metrics';
import { startGateway, type RecordedRequest, type TestGateway } from './harness';

/** The gateway with its real logger, writing into `lines`, in front of recording upstreams. */
const lines: Record<string, unknown>[] = [];
let gw: TestGateway;
beforeAll(async () => {
  const logger = createLogger(
    'api-gateway',
    'info',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    }),
  );
  gw = await startGateway({ logger, metrics: createGatewayMetrics(logger) });
});
afterAll(() => gw.close());

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const STRICT_TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;

/** GET /api/products with the given headers: what product-service received, and the gateway's log lines for it. */
async function throughGateway(headers: Record<string, string>): Promise<{
  received: RecordedRequest;
  traceparent: { traceId: string; parentId: string; flags: string };
  logged: Record<string, unknown>[];
}> {
  const requestId = `gw-trace-${randomUUID()}`;
  const res = await request(gw.url)
    .get('/api/products')
    .set({ 'x-request-id': requestId, ...headers });
  expect(res.status).toBe(200);
  const received = gw.upstreams['product-service'].requests.find((r) => r.headers['x-request-id'] === requestId);
  expect(received, 'the upstream got the request').toBeDefined();
  const match = STRICT_TRACEPARENT.exec(String(received!.headers.traceparent));
  expect(match, `a valid traceparent upstream: ${String(received!.headers.traceparent)}`).not.toBeNull();
  // The request line is written once the answer is finished, which may be just after it arrives.
  const logged = await vi.waitFor(() => {
    const own = lines.filter((line) => line.requestId === requestId);
    expect(own.length).toBeGreaterThan(0);
    return own;
  });
  return { received: received!, traceparent: { traceId: match![1]!, parentId: match![2]!, flags: match![3]! }, logged };
}

describe('W3C trace context through the gateway', () => {
  it('the upstream gets the client’s trace id with the gateway’s span as a new parent id, flags and tracestate kept, and the gateway logs the trace id', async () => {
    const { received, traceparent, logged } = await throughGateway({
      traceparent: `00-${TRACE_ID}-${PARENT_ID}-00`,
      tracestate: 'congo=t61rcWkgMzE',
    });
    expect(traceparent.traceId).toBe(TRACE_ID);
    expect(traceparent.parentId).not.toBe(PARENT_ID);
    expect(traceparent.flags).toBe('00');
    expect(received.headers.tracestate).toBe('congo=t61rcWkgMzE');
    for (const line of logged) expect(line).toMatchObject({ traceId: TRACE_ID });
  });

  it('without a traceparent, the upstream still gets a valid one, of a new sampled trace the gateway logs', async () => {
    const { received, traceparent, logged } = await throughGateway({});
    expect(traceparent.traceId).not.toBe('0'.repeat(32));
    expect(traceparent.flags).toBe('01');
    expect(received.headers.tracestate).toBeUndefined();
    for (const line of logged) expect(line).toMatchObject({ traceId: traceparent.traceId });
  });

  it.each([
    ['uppercase hex', `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`],
    ['an all-zero parent id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE_ID}-${PARENT_ID}-01`],
    ['a fifth field in version 00', `00-${TRACE_ID}-${PARENT_ID}-01-x`],
    ['a header-injection attempt', `00-${TRACE_ID}-${PARENT_ID}-01 x-user-id=admin`],
  ])(
    'a malformed traceparent from the client (%s) is not forwarded: the upstream gets a new trace, without the tracestate',
    async (_label, malformed) => {
      const { received, traceparent } = await throughGateway({
        traceparent: malformed,
        tracestate: 'congo=t61rcWkgMzE',
      });
      expect(received.headers.traceparent).not.toBe(malformed);
      expect(traceparent.traceId).not.toBe(TRACE_ID);
      expect(received.headers.tracestate).toBeUndefined();
    },
  );
});

import { randomBytes } from 'node:crypto';
import { freePort, startService, stopService } from '@shop/test-support';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { startGatewayProcess, useGateways, useUpstreams } from './harness';

const upstreams = useUpstreams();
const gateway = useGateways();
const production = {
  NODE_ENV: 'production',
  JWT_SECRET: randomBytes(32).toString('hex'),
  REGISTRY_TOKEN: randomBytes(32).toString('hex'),
};

describe('metrics are not public in production', () => {
  it('in production with neither METRICS_PORT nor METRICS_TOKEN, the gateway refuses to start and says why', async () => {
    const gw = startService('api-gateway', { PORT: String(await freePort()), ...production });
    try {
      const code = await new Promise<number | null>((resolve) => gw.child.once('exit', resolve));
      expect(code).toBe(1);
      expect(gw.output.join('\n')).toMatch(/METRICS_PORT or METRICS_TOKEN/);
    } finally {
      await stopService(gw);
    }
  });

  it('with METRICS_PORT, /metrics is served there and the public port answers 404 for it', async () => {
    const metricsPort = await freePort();
    const gw = await startGatewayProcess(upstreams, { ...production, METRICS_PORT: String(metricsPort) });
    try {
      const publicAnswer = await fetch(`http://127.0.0.1:${gw.port}/metrics`);
      expect(publicAnswer.status).toBe(404);
      const internal = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(internal.status).toBe(200);
      expect(await internal.text()).toMatch(/^http_requests_total\{/m);
    } finally {
      await stopService(gw);
    }
  });

  it('in development /metrics stays on the main port, as npm start expects', async () => {
    const gw = await startGatewayProcess(upstreams, { NODE_ENV: 'development' });
    try {
      expect((await fetch(`http://127.0.0.1:${gw.port}/metrics`)).status).toBe(200);
    } finally {
      await stopService(gw);
    }
  });
});

describe('the client address reaches the services only as the gateway saw it', () => {
  it("client-sent X-Forwarded-*, Forwarded and X-Real-IP are replaced by the gateway's own", async () => {
    const gw = await gateway();
    await request(gw.url)
      .get('/api/products')
      .set('Host', 'shop.example')
      .set('X-Forwarded-For', '203.0.113.66')
      .set('X-Forwarded-Host', 'evil.example')
      .set('X-Forwarded-Proto', 'https')
      .set('Forwarded', 'for=203.0.113.66;proto=https')
      .set('X-Real-IP', '203.0.113.66');
    const received = gw.upstreams['product-service'].requests.at(-1)!;
    expect(received.headers['x-forwarded-for']).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    expect(received.headers['x-forwarded-host']).toBe('shop.example');
    expect(received.headers['x-forwarded-proto']).toBe('http');
    expect(received.headers.forwarded).toBeUndefined();
    expect(received.headers['x-real-ip']).toBeUndefined();
  });

  it('behind a trusted proxy (trustProxy: 1), the address that proxy appended is forwarded', async () => {
    const gw = await gateway({ trustProxy: 1 });
    await request(gw.url).get('/api/products').set('X-Forwarded-For', '203.0.113.66, 198.51.100.9');
    expect(gw.upstreams['product-service'].requests.at(-1)?.headers['x-forwarded-for']).toBe('198.51.100.9');
  });
});

import { freePort, sampleSum, startService, stopService } from '@shop/test-support';
import { describe, expect, it } from 'vitest';

const exitOf = (child: { once(event: 'exit', listener: (code: number | null) => void): unknown }) =>
  new Promise<number | null>((resolve) => child.once('exit', resolve));

describe('GATEWAY_WORKERS runs several gateway processes on one port', () => {
  it('two workers serve requests and all stop on SIGTERM with exit code 0', async () => {
    const port = await freePort();
    const gateway = startService('api-gateway', { PORT: String(port), GATEWAY_WORKERS: '2', LOG_LEVEL: 'info' });
    try {
      const listening = () => gateway.output.filter((line) => line.includes('api-gateway listening')).length;
      for (let i = 0; i < 100 && listening() < 2; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(listening()).toBe(2);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      const exited = exitOf(gateway.child);
      gateway.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(gateway.output.filter((line) => line.includes('"msg":"stopped"'))).toHaveLength(2);
    } finally {
      await stopService(gateway);
    }
  });

  it('when the workers cannot start (bad configuration), the primary exits 1 instead of restarting them forever', async () => {
    const gateway = startService('api-gateway', {
      PORT: String(await freePort()),
      GATEWAY_WORKERS: '2',
      RATE_LIMIT_MAX: 'lots',
    });
    try {
      expect(await exitOf(gateway.child)).toBe(1);
      expect(gateway.output.join('\n')).toMatch(/RATE_LIMIT_MAX/);
    } finally {
      await stopService(gateway);
    }
  });

  it('with METRICS_PORT, the primary serves the sum of every worker: each request counted once, whichever worker served it', async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    const gateway = startService('api-gateway', {
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      GATEWAY_WORKERS: '2',
      LOG_LEVEL: 'info',
    });
    try {
      const listening = () => gateway.output.filter((line) => line.includes('api-gateway listening')).length;
      for (let i = 0; i < 100 && listening() < 2; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(listening()).toBe(2);
      const served = async () =>
        sampleSum(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(), 'http_requests_total', {
          route: '/health',
        });
      const before = await served();

      // A connection of its own per request, so the kernel spreads them over both workers.
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/health`, { headers: { connection: 'close' } });
        expect(res.status).toBe(200);
      }

      expect((await served()) - before).toBe(40);
      // The public port does not serve metrics when METRICS_PORT is set.
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    } finally {
      await stopService(gateway);
    }
  });
});

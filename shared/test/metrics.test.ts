import { AppError, createLogger, startSweeper } from '@shop/shared/core';
import {
  createConsumerMetrics,
  createHttpMetrics,
  createStoreGauge,
  createSweepMetrics,
  createServiceApp,
} from '@shop/shared/http';
import { sampleSum } from '@shop/test-support';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

const logger = createLogger('test', 'silent');

/** A service app with nothing but its /metrics, whose registry the test adds to. */
function serviceWithMetrics() {
  const metrics = createHttpMetrics('test', logger);
  const app = createServiceApp({ logger, metrics, bodyLimitBytes: 1000, readiness: [], routes: () => undefined });
  return { registry: metrics.registry, scrape: async () => (await request(app).get('/metrics')).text };
}

describe('metrics the services share', () => {
  it('sweep rounds are counted by outcome, and what each round repaired by result', async () => {
    const { registry, scrape } = serviceWithMetrics();
    const outcomes = [{ released: 2, failed: 1 }, new Error('database down'), { released: 1, failed: 0 }];
    let round = 0;
    const sweeper = startSweeper({
      name: 'stale-things',
      intervalMs: 5,
      logger,
      metrics: createSweepMetrics(registry),
      run: async () => {
        const outcome = outcomes[round++];
        if (outcome === undefined) return {};
        if (outcome instanceof Error) throw outcome;
        return outcome;
      },
    });
    await expect.poll(() => round, { timeout: 2000 }).toBeGreaterThanOrEqual(3);
    await sweeper.stop();

    const text = await scrape();
    expect(sampleSum(text, 'shop_sweep_runs_total', { sweep: 'stale-things', outcome: 'failed' })).toBe(1);
    expect(sampleSum(text, 'shop_sweep_runs_total', { sweep: 'stale-things', outcome: 'ok' })).toBe(round - 1);
    expect(sampleSum(text, 'shop_sweep_repairs_total', { sweep: 'stale-things', result: 'released' })).toBe(3);
    expect(sampleSum(text, 'shop_sweep_repairs_total', { sweep: 'stale-things', result: 'failed' })).toBe(1);
  });

  it('a gauge kept in the database is read at each scrape; a read that fails or hangs keeps the last value and the scrape still answers', async () => {
    const { registry, scrape } = serviceWithMetrics();
    let read: () => Promise<number> = async () => 7;
    createStoreGauge({
      registry,
      name: 'shop_things_waiting',
      help: 'Things waiting',
      read: () => read(),
      timeoutMs: 100,
      logger,
    });

    expect(sampleSum(await scrape(), 'shop_things_waiting')).toBe(7);
    read = async () => 3;
    expect(sampleSum(await scrape(), 'shop_things_waiting')).toBe(3);

    read = async () => {
      throw new Error('database down');
    };
    expect(sampleSum(await scrape(), 'shop_things_waiting')).toBe(3);

    read = () => new Promise<number>(() => undefined); // never answers
    const started = Date.now();
    expect(sampleSum(await scrape(), 'shop_things_waiting')).toBe(3);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("a consumer group's dead-letter counter is exported at 0 for every reason from its start, so the first entry parked is an increase an alert sees", async () => {
    const { registry, scrape } = serviceWithMetrics();
    const metrics = createConsumerMetrics(registry, logger);
    const stopObserving = metrics.observeGroup('sold-counts', async () => ({ lag: 0, pending: 0 }));
    const series = (text: string, reason: string) =>
      text
        .split('\n')
        .filter(
          (line) =>
            line.startsWith('shop_events_dead_lettered_total{') &&
            line.includes('group="sold-counts"') &&
            line.includes(`reason="${reason}"`),
        );

    const before = await scrape();
    for (const reason of ['invalid', 'unsupported_version', 'max_deliveries'])
      expect(series(before, reason)).toEqual([expect.stringMatching(/ 0$/)]);

    metrics.deadLettered('sold-counts', 'max_deliveries');
    expect(series(await scrape(), 'max_deliveries')).toEqual([expect.stringMatching(/ 1$/)]);
    stopObserving();
  });
});

describe('the request log', () => {
  it('never shows a credential sent in the query string, whatever the route does with it', async () => {
    const lines: string[] = [];
    const capturing = createLogger('test', 'info', { write: (line: string) => void lines.push(line) });
    const app = createServiceApp({
      logger: capturing,
      metrics: createHttpMetrics('test', capturing),
      bodyLimitBytes: 1000,
      readiness: [],
      routes: () => undefined,
    });

    await request(app).get('/orders/live?access_token=eyJ.secret.sig&page=2&api%5Fkey=k3y&sort=popular');

    const logged = lines.join('\n');
    expect(logged).toContain('access_token=[redacted]&page=2&api%5Fkey=[redacted]&sort=popular');
    expect(logged).not.toMatch(/eyJ\.secret\.sig|k3y/);
  });

  it('a deliberate 5xx answer (a cap reached, an upstream down) is a warn line without a stack; an unexpected error is an error with one', async () => {
    const lines: string[] = [];
    const capturing = createLogger('test', 'info', { write: (line: string) => void lines.push(line) });
    const app = createServiceApp({
      logger: capturing,
      metrics: createHttpMetrics('test', capturing),
      bodyLimitBytes: 1000,
      readiness: [],
      routes: (service) => {
        service.get('/capped', () => {
          throw new AppError('CONNECTION.LIMIT', 503, 'Too many connections');
        });
        service.get('/bug', () => {
          throw new Error('a bug');
        });
      },
    });

    expect((await request(app).get('/capped')).status).toBe(503);
    expect((await request(app).get('/bug')).status).toBe(500);

    const entries = lines.map((line) => JSON.parse(line) as { level: number; msg: string; err?: { stack?: string } });
    const capped = entries.find((entry) => entry.msg === 'Too many connections');
    expect(capped).toMatchObject({ level: 40, code: 'CONNECTION.LIMIT' });
    expect(capped?.err).toBeUndefined();
    const bug = entries.find((entry) => entry.msg === 'request failed');
    expect(bug?.level).toBe(50);
    expect(bug?.err?.stack).toContain('a bug');
  });
});

import { describe, expect, it } from 'vitest';
import { GRACE_SECONDS, startTestRegistry, TTL_SECONDS, withToken, type TestRegistry } from './api-client';

const scrape = async (registry: TestRegistry) => (await registry.http.get('/metrics')).text;

/** The value of one series, or undefined when /metrics does not show it. */
function valueOf(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const instances = (service: string, status: string) =>
  `registry_instances{service_name="${service}",status="${status}",service="service-registry"}`;
const total = (name: string) => `registry_${name}_total{service="service-registry"}`;

describe('GET /metrics', () => {
  it('shows the instances of each service by status', async () => {
    const registry = startTestRegistry();
    await registry.register({ name: 'product-service', status: 'ready' });
    await registry.register({ name: 'user-service', status: 'not-ready' });
    await registry.register({ name: 'user-service', status: 'ready' });

    const metrics = await scrape(registry);

    expect(metrics).toContain(`${instances('product-service', 'ready')} 1`);
    expect(valueOf(metrics, instances('product-service', 'not-ready'))).toBe(0);
    expect(valueOf(metrics, instances('user-service', 'ready'))).toBe(1);
    expect(valueOf(metrics, instances('user-service', 'not-ready'))).toBe(1);
  });

  it('an expired instance moves to status="expired", and a removed service disappears', async () => {
    const registry = startTestRegistry();
    await registry.register({ name: 'product-service' });

    registry.advance(TTL_SECONDS);
    const expired = await scrape(registry);
    registry.advance(GRACE_SECONDS);
    registry.sweep();
    registry.advance(GRACE_SECONDS);
    registry.sweep();
    const removed = await scrape(registry);

    expect(valueOf(expired, instances('product-service', 'ready'))).toBe(0);
    expect(valueOf(expired, instances('product-service', 'expired'))).toBe(1);
    expect(removed).not.toContain('service_name="product-service"');
  });

  it('counts registrations, heartbeats, expirations and deregistrations as they happen', async () => {
    const registry = startTestRegistry();
    const before = await scrape(registry);
    const a = await registry.register();
    await registry.register({ url: a.url }); // a renewal, not a new instance
    const b = await registry.register();
    await registry.http.post(`/heartbeat/${a.id}`).set(withToken).send({ status: 'ready' });
    await registry.http.delete(`/instances/${a.id}`).set(withToken);
    registry.advance(TTL_SECONDS);
    registry.sweep();
    registry.sweep();
    await registry.http.post(`/heartbeat/${b.id}`).set(withToken).send({ status: 'ready' });

    const after = await scrape(registry);

    for (const name of ['registrations', 'heartbeats', 'expirations', 'deregistrations'])
      expect(valueOf(before, total(name))).toBe(0);
    expect(valueOf(after, total('registrations'))).toBe(2);
    expect(valueOf(after, total('heartbeats'))).toBe(2);
    expect(valueOf(after, total('expirations'))).toBe(1);
    expect(valueOf(after, total('deregistrations'))).toBe(1);
  });
});

import type { Registration } from '@shop/shared/discovery';
import { describe, expect, it } from 'vitest';
import { createInstanceTable, type InstanceTableOptions } from './instance-table';

const TTL_MS = 10_000;
const GRACE_MS = 20_000;

function tableWithClock(overrides: Partial<InstanceTableOptions> = {}) {
  let now = 0;
  let ids = 0;
  const table = createInstanceTable({
    ttlSeconds: TTL_MS / 1000,
    graceSeconds: GRACE_MS / 1000,
    maxServices: 10,
    maxInstancesPerService: 10,
    now: () => now,
    newId: () => `id-${++ids}`,
    ...overrides,
  });
  return { table, advance: (ms: number) => (now += ms) };
}

const registration = (url: string, overrides: Partial<Registration> = {}): Registration => ({
  name: 'product-service',
  url,
  healthPath: '/health/ready',
  version: '1.0.0',
  metadata: {},
  status: 'ready',
  ...overrides,
});

describe('createInstanceTable', () => {
  it('a sweep reports an expiry once, however many sweeps see the instance expired, and its removal once', () => {
    const { table, advance } = tableWithClock();
    table.register(registration('http://a:1'));

    advance(TTL_MS);
    const rounds = [table.sweep(), table.sweep()];
    advance(GRACE_MS);
    rounds.push(table.sweep(), table.sweep());

    expect(rounds).toEqual([
      { expired: 1, removed: 0 },
      { expired: 0, removed: 0 },
      { expired: 0, removed: 1 },
      { expired: 0, removed: 0 },
    ]);
    expect(table.counts().expirations).toBe(1);
  });

  it('an instance that expires, is revived by a heartbeat, and expires again counts two expirations', () => {
    const { table, advance } = tableWithClock();
    const { lease } = table.register(registration('http://a:1'));

    advance(TTL_MS);
    table.sweep();
    table.heartbeat(lease.id, 'ready');
    advance(TTL_MS);
    table.sweep();

    expect(table.counts().expirations).toBe(2);
  });

  it('with no grace, an instance expires and is removed in the same sweep, counted once', () => {
    const { table, advance } = tableWithClock({ graceSeconds: 0 });
    table.register(registration('http://a:1'));

    advance(TTL_MS);

    expect(table.sweep()).toEqual({ expired: 1, removed: 1 });
    expect(table.list()).toEqual([]);
    expect(table.counts().expirations).toBe(1);
  });

  it('an instance removed to make room for a registration still counts its expiry', () => {
    const { table, advance } = tableWithClock({ maxInstancesPerService: 1 });
    table.register(registration('http://a:1'));
    advance(TTL_MS + GRACE_MS);

    const { created } = table.register(registration('http://b:1'));

    expect(created).toBe(true);
    expect(table.counts().expirations).toBe(1);
    expect(table.sweep()).toEqual({ expired: 0, removed: 0 });
  });

  it('what it lists is a copy: changing it changes nothing in the table', () => {
    const { table } = tableWithClock();
    table.register(registration('http://a:1', { metadata: { zone: 'a' } }));

    const [listed] = table.service('product-service').instances;
    listed!.metadata.zone = 'changed';
    listed!.status = 'not-ready';

    expect(table.discover('product-service')).toMatchObject({ status: 'ready', metadata: { zone: 'a' } });
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@shop/shared/core';
import { createDiscovery, registerDiscoveryMetrics, type Discovery, type InstanceView } from '@shop/shared/discovery';
import { createHttpMetrics } from '@shop/shared/http';
import { sampleSum } from '@shop/test-support';

const logger = createLogger('discovery-test', 'silent');

/** A stand-in registry: answers GET /services with whatever `listing` holds, and counts the asks. */
interface FakeRegistry {
  url: string;
  asked: number;
  listing: Record<string, { url: string; status: InstanceView['status'] }[]>;
  close(): Promise<void>;
}

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function startFakeRegistry(): Promise<FakeRegistry> {
  const registry: FakeRegistry = { url: '', asked: 0, listing: {}, close: async () => undefined };
  const server = http.createServer((req, res) => {
    registry.asked += 1;
    const asked = /^\/services\/([a-z-]+)$/.exec(req.url ?? '')?.[1];
    const services = Object.entries(registry.listing).map(([name, instances]) => ({
      name,
      instances: instances.map((instance, index) => ({
        id: `${name}-${index}`,
        name,
        url: instance.url,
        healthPath: '/health/ready',
        version: '1.0.0',
        metadata: {},
        status: instance.status,
        registeredAt: new Date().toISOString(),
        lastHeartbeatAt: new Date().toISOString(),
      })),
    }));
    const service = services.find((candidate) => candidate.name === asked);
    if (service === undefined) res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{}');
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(service));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  registry.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  closers.push(() => registry.close().catch(() => undefined));
  return registry;
}

function discoveryFor(
  registryUrl: string,
  options: { mode?: 'registry' | 'static'; now?: () => number } = {},
): Discovery {
  const discovery = createDiscovery({
    mode: options.mode ?? 'registry',
    registryUrl,
    refreshMs: 60_000,
    configured: { 'product-service': 'http://configured:3002' },
    logger,
    restMs: 5000,
    now: options.now,
  });
  closers.push(() => discovery.close());
  return discovery;
}

const picks = (discovery: Discovery, count: number) =>
  Array.from({ length: count }, () => discovery.endpoint('product-service').pick());

describe('discovery', () => {
  it('round-robins across the ready instances the registry lists, and never hands out a not-ready one', async () => {
    const registry = await startFakeRegistry();
    registry.listing['product-service'] = [
      { url: 'http://a:1', status: 'ready' },
      { url: 'http://b:1', status: 'not-ready' },
      { url: 'http://c:1', status: 'ready' },
      { url: 'http://d:1', status: 'expired' },
    ];
    const discovery = discoveryFor(registry.url);
    await discovery.start();
    const chosen = picks(discovery, 6);
    expect(chosen.filter((url) => url === 'http://a:1')).toHaveLength(3);
    expect(chosen.filter((url) => url === 'http://c:1')).toHaveLength(3);
    expect(discovery.instances('product-service').source).toBe('registry');
  });

  it('under DISCOVERY=static, only the configured URL is used and the registry is never asked', async () => {
    const registry = await startFakeRegistry();
    registry.listing['product-service'] = [{ url: 'http://a:1', status: 'ready' }];
    const discovery = discoveryFor(registry.url, { mode: 'static' });
    await discovery.start();
    await discovery.refresh();
    expect(picks(discovery, 3)).toEqual(Array(3).fill('http://configured:3002'));
    expect(registry.asked).toBe(0);
  });

  it('when the registry goes down, the last instances it listed keep serving', async () => {
    const registry = await startFakeRegistry();
    registry.listing['product-service'] = [{ url: 'http://a:1', status: 'ready' }];
    const discovery = discoveryFor(registry.url);
    await discovery.start();
    await registry.close();
    await discovery.refresh();
    expect(discovery.instances('product-service')).toEqual({ urls: ['http://a:1'], source: 'last-known', resting: [] });
    expect(picks(discovery, 2)).toEqual(['http://a:1', 'http://a:1']);
  });

  it('with no registry ever reachable, or none of the instances ready, the configured URL is used', async () => {
    const down = discoveryFor('http://127.0.0.1:1');
    await down.start();
    expect(down.instances('product-service')).toEqual({
      urls: ['http://configured:3002'],
      source: 'configured',
      resting: [],
    });

    const registry = await startFakeRegistry();
    registry.listing['product-service'] = [{ url: 'http://a:1', status: 'not-ready' }];
    const discovery = discoveryFor(registry.url);
    await discovery.start();
    expect(picks(discovery, 2)).toEqual(['http://configured:3002', 'http://configured:3002']);
  });

  it('an instance marked failed rests for a while, then comes back; a call never gets an instance it already tried', async () => {
    let now = 1_000_000;
    const registry = await startFakeRegistry();
    registry.listing['product-service'] = [
      { url: 'http://a:1', status: 'ready' },
      { url: 'http://b:1', status: 'ready' },
    ];
    const discovery = discoveryFor(registry.url, { now: () => now });
    await discovery.start();
    const endpoint = discovery.endpoint('product-service');
    endpoint.markFailed('http://a:1');
    expect(picks(discovery, 4)).toEqual(Array(4).fill('http://b:1'));
    now += 5001;
    expect(new Set(picks(discovery, 4))).toEqual(new Set(['http://a:1', 'http://b:1']));

    expect(endpoint.pick(new Set(['http://a:1']))).toBe('http://b:1');
    expect(endpoint.pick(new Set(['http://a:1', 'http://b:1']))).toBeUndefined();
  });

  it('follows the registry: an instance that joins is used, one that leaves is not', async () => {
    const registry = await startFakeRegistry();
    registry.listing['product-service'] = [{ url: 'http://a:1', status: 'ready' }];
    const discovery = discoveryFor(registry.url);
    await discovery.start();
    registry.listing['product-service'] = [{ url: 'http://b:1', status: 'ready' }];
    await discovery.refresh();
    expect(picks(discovery, 3)).toEqual(Array(3).fill('http://b:1'));
  });

  it('a registry that restarted empty does not replace the instances it listed before with the configured URL', async () => {
    const registry = await startFakeRegistry();
    registry.listing['product-service'] = [{ url: 'http://a:1', status: 'ready' }];
    const discovery = discoveryFor(registry.url);
    await discovery.start();
    registry.listing = {};
    await discovery.refresh();
    expect(discovery.instances('product-service')).toEqual({ urls: ['http://a:1'], source: 'last-known', resting: [] });
  });

  it('/metrics shows, per called service, how many instances are in use or resting and where the list came from', async () => {
    const registry = await startFakeRegistry();
    registry.listing['product-service'] = [
      { url: 'http://a:1', status: 'ready' },
      { url: 'http://b:1', status: 'ready' },
    ];
    let clock = 1_000_000;
    const discovery = discoveryFor(registry.url, { now: () => clock });
    await discovery.start();
    const metrics = createHttpMetrics('discovery-test', logger);
    registerDiscoveryMetrics(discovery, metrics.registry);
    const instances = async (labels: Record<string, string>) =>
      sampleSum(await metrics.registry.metrics(), 'discovery_instances', {
        service_name: 'product-service',
        ...labels,
      });

    expect(await instances({ source: 'registry', state: 'in_use' })).toBe(2);
    discovery.endpoint('product-service').markFailed('http://a:1');
    expect(await instances({ source: 'registry', state: 'in_use' })).toBe(1);
    expect(await instances({ source: 'registry', state: 'resting' })).toBe(1);

    clock += 6000; // past the rest
    await registry.close();
    await discovery.refresh();
    expect(await instances({ source: 'last-known', state: 'in_use' })).toBe(2);
    expect(await instances({ source: 'registry' })).toBe(0); // no stale series for the old source
  });
});

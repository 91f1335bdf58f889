import { Gauge, type Registry } from 'prom-client';
import type { Discovery } from './discovery.js';

/**
 * `discovery_instances{service_name,source,state}`: the instances this process sends traffic to,
 * per service, where the list came from (registry, last-known, configured) and whether each is
 * in use or resting after a failed connection. Read from the discovery at each scrape.
 */
export function registerDiscoveryMetrics(discovery: Discovery, registry: Registry): void {
  new Gauge({
    name: 'discovery_instances',
    help: 'Instances of each called service as this process sees them, by source of the list and state (in_use, resting)',
    labelNames: ['service_name', 'source', 'state'] as const,
    registers: [registry],
    // Gateway workers each see the same instances: summed over workers they would be counted N times.
    aggregator: 'max',
    collect() {
      this.reset();
      for (const name of discovery.names()) {
        const { urls, source, resting } = discovery.instances(name);
        this.set({ service_name: name, source, state: 'in_use' }, urls.length - resting.length);
        this.set({ service_name: name, source, state: 'resting' }, resting.length);
      }
    },
  });
}

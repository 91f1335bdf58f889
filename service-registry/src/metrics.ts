import { Counter, Gauge, type Registry } from 'prom-client';
import type { InstanceTable, ListedStatus, RegistryCounts } from './domain/instance-table.js';

const STATUSES: ListedStatus[] = ['ready', 'not-ready', 'expired'];

/**
 * The registry's own metrics, read from the table at scrape time, so they cannot drift from it.
 * `service_name` label values are bounded by REGISTRY_MAX_SERVICES (not `service`: every
 * process's metrics carry `service` for the process itself), and a removed service disappears
 * from `registry_instances` at the next scrape.
 */
export function registerRegistryMetrics(registry: Registry, table: InstanceTable): void {
  new Gauge({
    name: 'registry_instances',
    help: 'Registered instances, by service name and status (ready, not-ready, expired)',
    labelNames: ['service_name', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const service of table.list()) {
        for (const status of STATUSES) {
          const count = service.instances.filter((instance) => instance.status === status).length;
          this.set({ service_name: service.name, status }, count);
        }
      }
    },
  });

  const totals: [name: string, help: string, key: keyof RegistryCounts][] = [
    ['registry_registrations_total', 'New instances registered', 'registrations'],
    ['registry_heartbeats_total', 'Heartbeats accepted', 'heartbeats'],
    ['registry_expirations_total', 'Instances that missed their TTL, each expiry counted once', 'expirations'],
    ['registry_deregistrations_total', 'Instances removed by their own request', 'deregistrations'],
  ];
  for (const [name, help, key] of totals) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        // The table keeps the totals; the counter shows them.
        this.reset();
        this.inc(table.counts()[key]);
      },
    });
  }
}

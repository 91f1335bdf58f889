import type { InstanceView, Lease, ServiceView } from '@shop/shared/discovery';
import type { ListedInstance, ListedService } from '../domain/instance-table.js';

// Field allowlist (as in every view): fields are listed one by one, so a new domain field is not sent by accident.
export function toInstanceView(instance: ListedInstance): InstanceView {
  return {
    id: instance.id,
    name: instance.name,
    url: instance.url,
    healthPath: instance.healthPath,
    version: instance.version,
    metadata: { ...instance.metadata },
    status: instance.status,
    registeredAt: instance.registeredAt.toISOString(),
    lastHeartbeatAt: instance.lastHeartbeatAt.toISOString(),
  };
}

export function toServiceView(service: ListedService): ServiceView {
  return { name: service.name, instances: service.instances.map(toInstanceView) };
}

export function toServicesView(services: ListedService[]): { services: ServiceView[] } {
  return { services: services.map(toServiceView) };
}

export function toLeaseView(lease: Lease): Lease {
  return { id: lease.id, ttlSeconds: lease.ttlSeconds };
}

import { randomUUID } from 'node:crypto';
import type { InstanceStatus, Lease, Registration } from '@shop/shared/discovery';
import { InstanceNotFoundError, NoInstanceError, RegistryFullError, ServiceNotFoundError } from './registry.errors.js';

/** An instance's status as the table shows it: `expired` once it missed its TTL, until a heartbeat or its removal. */
export type ListedStatus = InstanceStatus | 'expired';

/** A copy of one instance at the time it was asked for; changing it changes nothing in the table. */
export interface ListedInstance {
  id: string;
  name: string;
  url: string;
  healthPath: string;
  version: string;
  metadata: Record<string, string>;
  status: ListedStatus;
  registeredAt: Date;
  lastHeartbeatAt: Date;
}

export interface ListedService {
  name: string;
  instances: ListedInstance[];
}

/** Totals since the table was created, for the metrics. */
export interface RegistryCounts {
  /** New instances (a known name and url registering again renews it and is not counted). */
  registrations: number;
  heartbeats: number;
  /** Each expiry once, however often the instance is looked at before it heartbeats again or is removed. */
  expirations: number;
  deregistrations: number;
}

/** What one sweep did: instances that expired since the last one, and instances removed after their grace. */
export type SweepResult = { expired: number; removed: number };

export interface InstanceTableOptions {
  ttlSeconds: number;
  graceSeconds: number;
  maxServices: number;
  maxInstancesPerService: number;
  /** The clock, in epoch milliseconds. */
  now?: () => number;
  newId?: () => string;
}

export interface InstanceTable {
  /** A new name and url gets a new id (`created`); a known one keeps its id and is renewed. */
  register(registration: Registration): { lease: Lease; created: boolean };
  /** Renews the instance's TTL and records its status; revives an expired instance not yet removed. */
  heartbeat(id: string, status: InstanceStatus): Lease;
  deregister(id: string): void;
  /** One ready instance within its TTL, round robin per service name. */
  discover(name: string): ListedInstance;
  /** Every service with its instances, expired ones included, sorted by name then url. */
  list(): ListedService[];
  service(name: string): ListedService;
  /** Counts new expiries and removes instances expired for longer than the grace. */
  sweep(): SweepResult;
  counts(): RegistryCounts;
}

interface Instance extends Omit<ListedInstance, 'status' | 'registeredAt' | 'lastHeartbeatAt'> {
  /** As the instance last reported it. */
  status: InstanceStatus;
  registeredAt: number;
  lastHeartbeatAt: number;
  /** Its current expiry is in `expirations`; cleared when it is renewed. */
  isExpiryCounted: boolean;
}

interface Service {
  instances: Map<string, Instance>;
  /** Where the round robin over its ready instances continues. */
  next: number;
  /**
   * When its last instance left. An empty service stays listed (with no instances) for the grace
   * period, so callers can tell "it has stopped" from "the registry restarted and has not heard
   * of it yet" (a name it does not know at all).
   */
  emptySince?: number;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byUrl = (a: Instance, b: Instance) => byText(a.url, b.url);

/**
 * The registry's state: in memory, bounded, and rebuilt by the instances themselves after a
 * restart (a heartbeat answered 404 makes an instance register again). Time comes only from
 * `now`, so tests move it instead of waiting.
 */
export function createInstanceTable(options: InstanceTableOptions): InstanceTable {
  const now = options.now ?? Date.now;
  const newId = options.newId ?? randomUUID;
  const ttlMs = options.ttlSeconds * 1000;
  const graceMs = options.graceSeconds * 1000;
  const removeAfterMs = ttlMs + graceMs;
  const services = new Map<string, Service>();
  const byId = new Map<string, Instance>();
  const counts: RegistryCounts = { registrations: 0, heartbeats: 0, expirations: 0, deregistrations: 0 };

  const leaseOf = (instance: Instance): Lease => ({ id: instance.id, ttlSeconds: options.ttlSeconds });
  const isExpired = (instance: Instance, at: number) => at - instance.lastHeartbeatAt >= ttlMs;

  const toListed = (instance: Instance, at: number): ListedInstance => {
    const { isExpiryCounted: _internal, ...fields } = instance;
    return {
      ...fields,
      metadata: { ...instance.metadata },
      status: isExpired(instance, at) ? 'expired' : instance.status,
      registeredAt: new Date(instance.registeredAt),
      lastHeartbeatAt: new Date(instance.lastHeartbeatAt),
    };
  };

  const toListedService = (name: string, service: Service, at: number): ListedService => ({
    name,
    instances: [...service.instances.values()].sort(byUrl).map((instance) => toListed(instance, at)),
  });

  const instanceWithId = (id: string): Instance => {
    const instance = byId.get(id);
    if (instance === undefined) throw new InstanceNotFoundError(id);
    return instance;
  };

  const renew = (instance: Instance, status: InstanceStatus, at: number) => {
    instance.status = status;
    instance.lastHeartbeatAt = at;
    instance.isExpiryCounted = false;
  };

  const remove = (instance: Instance, at: number) => {
    byId.delete(instance.id);
    const service = services.get(instance.name);
    service?.instances.delete(instance.id);
    if (service?.instances.size === 0) service.emptySince = at;
  };

  const sweepAt = (at: number): SweepResult => {
    let expired = 0;
    let removed = 0;
    for (const instance of byId.values()) {
      if (!isExpired(instance, at)) continue;
      if (!instance.isExpiryCounted) {
        instance.isExpiryCounted = true;
        expired += 1;
      }
      if (at - instance.lastHeartbeatAt >= removeAfterMs) {
        remove(instance, at);
        removed += 1;
      }
    }
    for (const [name, service] of services) {
      if (service.emptySince !== undefined && at - service.emptySince >= graceMs) services.delete(name);
    }
    counts.expirations += expired;
    return { expired, removed };
  };

  /** The bound a new instance of `name` would pass, if any. */
  const limitReached = (name: string): string | undefined => {
    const service = services.get(name);
    if (service === undefined)
      return services.size >= options.maxServices ? `at most ${options.maxServices} services` : undefined;
    return service.instances.size >= options.maxInstancesPerService
      ? `at most ${options.maxInstancesPerService} instances of ${name}`
      : undefined;
  };

  const assertRoomFor = (name: string, at: number) => {
    if (limitReached(name) === undefined) return;
    // Instances past their grace are gone in all but name: make room before refusing.
    sweepAt(at);
    const limit = limitReached(name);
    if (limit !== undefined) throw new RegistryFullError(limit);
  };

  return {
    register(registration) {
      const at = now();
      const known = [...(services.get(registration.name)?.instances.values() ?? [])].find(
        (instance) => instance.url === registration.url,
      );
      if (known !== undefined) {
        known.healthPath = registration.healthPath;
        known.version = registration.version;
        known.metadata = { ...registration.metadata };
        renew(known, registration.status, at);
        return { lease: leaseOf(known), created: false };
      }
      assertRoomFor(registration.name, at);
      const instance: Instance = {
        id: newId(),
        name: registration.name,
        url: registration.url,
        healthPath: registration.healthPath,
        version: registration.version,
        metadata: { ...registration.metadata },
        status: registration.status,
        registeredAt: at,
        lastHeartbeatAt: at,
        isExpiryCounted: false,
      };
      let service = services.get(instance.name);
      if (service === undefined) {
        service = { instances: new Map(), next: 0 };
        services.set(instance.name, service);
      }
      service.instances.set(instance.id, instance);
      service.emptySince = undefined;
      byId.set(instance.id, instance);
      counts.registrations += 1;
      return { lease: leaseOf(instance), created: true };
    },

    heartbeat(id, status) {
      const instance = instanceWithId(id);
      renew(instance, status, now());
      counts.heartbeats += 1;
      return leaseOf(instance);
    },

    deregister(id) {
      remove(instanceWithId(id), now());
      counts.deregistrations += 1;
    },

    discover(name) {
      const at = now();
      const service = services.get(name);
      const candidates = [...(service?.instances.values() ?? [])]
        .filter((instance) => instance.status === 'ready' && !isExpired(instance, at))
        .sort(byUrl);
      if (service === undefined || candidates.length === 0) throw new NoInstanceError(name);
      const index = service.next % candidates.length;
      service.next = index + 1;
      return toListed(candidates[index]!, at);
    },

    list() {
      const at = now();
      return [...services.entries()]
        .sort(([a], [b]) => byText(a, b))
        .map(([name, service]) => toListedService(name, service, at));
    },

    service(name) {
      const service = services.get(name);
      if (service === undefined) throw new ServiceNotFoundError(name);
      return toListedService(name, service, now());
    },

    sweep: () => sweepAt(now()),

    counts: () => ({ ...counts }),
  };
}

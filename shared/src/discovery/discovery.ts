import type { Logger } from '../core/logger.js';
import type { Endpoint } from './endpoint.js';
import { serviceViewSchema } from './protocol.js';

export interface DiscoveryOptions {
  /** `static`: the configured URLs only, the registry is never asked. */
  mode: 'registry' | 'static';
  registryUrl: string;
  /** How often the list of instances is refreshed from the registry. */
  refreshMs: number;
  /** The configured URL of each service this process calls: the last fallback. */
  configured: Record<string, string>;
  logger: Logger;
  /** How long an instance that failed to connect is skipped. Default 5000. */
  restMs?: number;
  /** Bound on each request to the registry. Default 1000. */
  requestTimeoutMs?: number;
  now?: () => number;
}

/** Where a service's current instances came from, most trusted first. */
export type InstanceSource = 'registry' | 'last-known' | 'configured';

interface ServiceInstances {
  urls: string[];
  source: InstanceSource;
  /** Round-robin position. */
  next: number;
  /** url → until when it is skipped after a failure. */
  resting: Map<string, number>;
}

export interface Discovery {
  /** The endpoint for one configured service. */
  endpoint(name: string): Endpoint;
  /** The instances currently used for a service, where they came from, and those resting after a failure. */
  instances(name: string): { urls: string[]; source: InstanceSource; resting: string[] };
  /** The services this process calls. */
  names(): string[];
  /** Fetches the registry's list now (bounded), then keeps refreshing it in the background. */
  start(): Promise<void>;
  /** Asks the registry once; exposed so tests and callers need not wait for the timer. */
  refresh(): Promise<void>;
  close(): void;
}

/**
 * Finds the instances of the services a process calls. The list is refreshed in the background
 * every `refreshMs`, so a pick never waits on the network. Fallback chain, per service: the
 * registry's ready instances → when the registry cannot be reached, or does not list the service
 * at all (it restarted and the instances have not registered again yet), the last instances it
 * listed → the configured URL (also used when the registry lists the service with none ready).
 */
export function createDiscovery(options: DiscoveryOptions): Discovery {
  const restMs = options.restMs ?? 5000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 1000;
  const now = options.now ?? Date.now;
  const services = new Map<string, ServiceInstances>(
    Object.entries(options.configured).map(([name, url]) => [
      name,
      { urls: [url], source: 'configured', next: 0, resting: new Map() },
    ]),
  );
  let timer: NodeJS.Timeout | undefined;
  let registryReachable: boolean | undefined;

  const serviceNamed = (name: string): ServiceInstances => {
    const service = services.get(name);
    if (service === undefined) throw new Error(`discovery: ${name} is not a configured service`);
    return service;
  };

  const replace = (name: string, service: ServiceInstances, urls: string[], source: InstanceSource) => {
    const changed = source !== service.source || urls.join(' ') !== service.urls.join(' ');
    if (!changed) return;
    options.logger.info({ target: name, instances: urls, source }, 'instances changed');
    service.urls = urls;
    service.source = source;
    for (const url of service.resting.keys()) if (!urls.includes(url)) service.resting.delete(url);
  };

  let inFlight: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    inFlight ??= refreshNow().finally(() => (inFlight = undefined));
    return inFlight;
  };
  /** One service's ready instances as the registry lists them; `undefined` when it lists none of that name. */
  const fetchReady = async (name: string): Promise<string[] | undefined> => {
    const res = await fetch(new URL(`/services/${encodeURIComponent(name)}`, options.registryUrl), {
      signal: AbortSignal.timeout(requestTimeoutMs),
      headers: { accept: 'application/json' },
    });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) throw new Error(`registry answered ${res.status}`);
    const view = serviceViewSchema.parse(await res.json());
    return view.instances.filter((instance) => instance.status === 'ready').map((instance) => instance.url);
  };

  const refreshNow = async (): Promise<void> => {
    if (options.mode === 'static') return;
    const names = [...services.keys()];
    let listed: (string[] | undefined)[];
    try {
      // Only the services this process calls, so the answers stay small however full the registry is.
      listed = await Promise.all(names.map(fetchReady));
    } catch (error) {
      if (registryReachable !== false)
        options.logger.warn({ err: error }, 'registry unreachable: using the last known instances');
      registryReachable = false;
      for (const [name, service] of services)
        if (service.source === 'registry') replace(name, service, service.urls, 'last-known');
      return;
    }
    if (registryReachable === false) options.logger.info('registry reachable again');
    registryReachable = true;
    names.forEach((name, index) => {
      const service = serviceNamed(name);
      const ready = listed[index];
      if (ready !== undefined && ready.length > 0) replace(name, service, ready, 'registry');
      // Not listed at all: a registry that restarted and has not heard from the instances yet
      // (they register again within a heartbeat); keep what it last listed.
      else if (ready === undefined && service.source !== 'configured')
        replace(name, service, service.urls, 'last-known');
      // Listed, none ready, or never listed: the configured URL.
      else replace(name, service, [options.configured[name] ?? ''], 'configured');
    });
  };

  const pick = (name: string, tried?: ReadonlySet<string>): string | undefined => {
    const service = serviceNamed(name);
    const candidates = service.urls.filter((url) => tried?.has(url) !== true);
    if (candidates.length === 0) return undefined;
    const at = now();
    const awake = candidates.filter((url) => (service.resting.get(url) ?? 0) <= at);
    // When every candidate is resting, try one anyway: a request has nowhere better to go.
    const pool = awake.length > 0 ? awake : candidates;
    const url = pool[service.next % pool.length];
    service.next = (service.next + 1) % 1_000_000;
    return url;
  };

  return {
    endpoint: (name) => {
      serviceNamed(name);
      return {
        pick: (tried) => pick(name, tried),
        markFailed: (url) => {
          const service = serviceNamed(name);
          if (service.urls.includes(url)) service.resting.set(url, now() + restMs);
        },
      };
    },
    instances: (name) => {
      const { urls, source, resting } = serviceNamed(name);
      const at = now();
      return { urls: [...urls], source, resting: urls.filter((url) => (resting.get(url) ?? 0) > at) };
    },
    names: () => [...services.keys()],
    refresh,
    start: async () => {
      if (options.mode === 'static' || timer !== undefined) return;
      await refresh();
      timer = setInterval(() => void refresh(), options.refreshMs);
      timer.unref();
    },
    close: () => {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

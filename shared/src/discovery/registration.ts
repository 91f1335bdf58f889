import { networkInterfaces } from 'node:os';
import type { Logger } from '../core/logger.js';
import { leaseSchema, type InstanceStatus } from './protocol.js';

export interface RegistrationOptions {
  registryUrl: string;
  token: string;
  name: string;
  /** Where other processes reach this instance. */
  url: string;
  healthPath: string;
  version: string;
  /** How often the instance reports its readiness (shortened to a third of the registry's TTL). */
  heartbeatMs: number;
  /** This instance's own readiness, as its `/health/ready` reports it. */
  isReady(): Promise<boolean>;
  logger: Logger;
  /** How often readiness is checked between heartbeats; a change is reported at once. Default 1000. */
  readinessPollMs?: number;
  /** Bound on each request to the registry. Default 2000. */
  requestTimeoutMs?: number;
}

export interface RegisteredInstance {
  /** The id the registry gave, once it has answered. */
  id(): string | undefined;
  /** Stops heartbeating and removes the instance from the registry (bounded; a failure is only logged). */
  deregister(): Promise<void>;
}

/**
 * Announces an instance to the registry and keeps the announcement true: registers (retrying in
 * the background with backoff and jitter while the registry is down; the service serves
 * meanwhile), heartbeats its real readiness, and registers again when the registry has
 * forgotten it (a `404` after the registry restarted).
 */
export function startRegistration(options: RegistrationOptions): RegisteredInstance {
  const requestTimeoutMs = options.requestTimeoutMs ?? 2000;
  const readinessPollMs = Math.min(options.readinessPollMs ?? 1000, options.heartbeatMs);
  const log = options.logger.child({ registry: options.registryUrl });
  let id: string | undefined;
  let heartbeatMs = options.heartbeatMs;
  let lastReported: InstanceStatus | undefined;
  let lastReportAt = 0;
  let failures = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const call = (method: string, path: string, body?: unknown) =>
    fetch(new URL(path, options.registryUrl), {
      method,
      headers: {
        authorization: `Bearer ${options.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });

  const status = async (): Promise<InstanceStatus> =>
    (await options.isReady().catch(() => false)) ? 'ready' : 'not-ready';

  const register = async (current: InstanceStatus): Promise<void> => {
    const res = await call('POST', '/register', {
      name: options.name,
      url: options.url,
      healthPath: options.healthPath,
      version: options.version,
      status: current,
    });
    if (res.status !== 200 && res.status !== 201) throw new Error(`registry refused the registration: ${res.status}`);
    const lease = leaseSchema.parse(await res.json());
    id = lease.id;
    // Three heartbeats per TTL, so one lost heartbeat never drops a live instance.
    heartbeatMs = Math.min(options.heartbeatMs, Math.floor((lease.ttlSeconds * 1000) / 3));
    log.info({ id, url: options.url, status: current }, 'registered');
  };

  const heartbeat = async (instanceId: string, current: InstanceStatus): Promise<void> => {
    const res = await call('POST', `/heartbeat/${encodeURIComponent(instanceId)}`, { status: current });
    if (res.status === 404) {
      log.info({ id: instanceId }, 'the registry no longer knows this instance: registering again');
      id = undefined;
      await register(current);
      return;
    }
    if (!res.ok) throw new Error(`registry refused the heartbeat: ${res.status}`);
    await res.body?.cancel();
  };

  const tick = async (): Promise<void> => {
    const current = await status();
    const isDue = Date.now() - lastReportAt >= heartbeatMs || current !== lastReported || id === undefined;
    if (isDue) {
      try {
        if (id === undefined) await register(current);
        else await heartbeat(id, current);
        if (failures > 0) log.info('registry reachable again');
        failures = 0;
        lastReported = current;
        lastReportAt = Date.now();
      } catch (error) {
        failures += 1;
        if (failures === 1) log.warn({ err: error }, 'registry unreachable: retrying in the background');
      }
    }
    if (stopped) return;
    // After failures: exponential backoff with full jitter, up to one heartbeat period, so an
    // instance is known again within a heartbeat of the registry coming back.
    const waitMs =
      failures === 0
        ? readinessPollMs
        : Math.random() * Math.min(heartbeatMs, readinessPollMs * 2 ** Math.min(failures, 10));
    timer = setTimeout(() => (running = tick()), waitMs);
    timer.unref();
  };
  running = tick();

  return {
    id: () => id,
    deregister: async () => {
      stopped = true;
      clearTimeout(timer);
      // A registration in flight finishes first, so it cannot re-announce the instance after this.
      await running;
      if (id === undefined) return;
      const res = await call('DELETE', `/instances/${encodeURIComponent(id)}`).catch((error: unknown) => {
        log.warn({ err: error }, 'could not deregister');
        return undefined;
      });
      if (res !== undefined) log.info({ id, status: res.status }, 'deregistered');
      id = undefined;
    },
  };
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/** `http://host:port`, with an IPv6 host in brackets. */
const httpUrl = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * The URL to announce: `ADVERTISE_URL` when set; else `http://HOST:PORT`, with this machine's
 * first non-internal IPv4 address in place of a wildcard HOST (a container binding 0.0.0.0).
 */
export function advertisedUrl(advertiseUrl: string | undefined, host: string, port: number): string {
  if (advertiseUrl !== undefined) return new URL(advertiseUrl).origin;
  if (WILDCARD_HOSTS.has(host)) {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal);
    return httpUrl(external?.address ?? '127.0.0.1', port);
  }
  return httpUrl(host, port);
}

/** The URL this process reaches its own server at: loopback in place of a wildcard HOST. */
export function localUrl(host: string, port: number): string {
  return httpUrl(WILDCARD_HOSTS.has(host) ? '127.0.0.1' : host, port);
}

/** What a service's `main` hands `runService` so it registers once listening. */
export interface RegistrationSettings {
  registryUrl: string;
  token: string;
  heartbeatMs: number;
  advertiseUrl: string | undefined;
  /** How often callers refresh their lists (`DISCOVERY_REFRESH_MS`, the same setting everywhere). */
  callersRefreshMs: number;
}

/** The registration settings from a service's config; undefined under `DISCOVERY=static`. */
export function registrationSettings(config: {
  DISCOVERY: 'registry' | 'static';
  REGISTRY_URL: string;
  REGISTRY_TOKEN: string;
  REGISTRY_HEARTBEAT_MS: number;
  DISCOVERY_REFRESH_MS: number;
  ADVERTISE_URL?: string | undefined;
}): RegistrationSettings | undefined {
  if (config.DISCOVERY === 'static') return undefined;
  return {
    registryUrl: config.REGISTRY_URL,
    token: config.REGISTRY_TOKEN,
    heartbeatMs: config.REGISTRY_HEARTBEAT_MS,
    advertiseUrl: config.ADVERTISE_URL,
    callersRefreshMs: config.DISCOVERY_REFRESH_MS,
  };
}

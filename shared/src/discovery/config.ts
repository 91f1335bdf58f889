import { z } from 'zod';
import { secret } from '../core/config.js';

const DEVELOPMENT_REGISTRY_TOKEN = 'development-only-registry-token-do-not-use-in-production';

/**
 * The token registry writes (register, heartbeat, deregister) carry: the registry's own setting.
 * Outside production on loopback a public development value stands in.
 */
export const registryTokenSetting = () => secret(DEVELOPMENT_REGISTRY_TOKEN);

/** How a caller finds the services it calls. */
export const discoveryConfigShape = {
  /**
   * `registry`: follow the live instances the registry lists, falling back to the last known ones,
   * then to the configured URLs. `static`: the configured URLs only (a platform's own discovery,
   * such as a Kubernetes Service, stands behind them).
   */
  DISCOVERY: z.enum(['registry', 'static']).default('registry'),
  REGISTRY_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3010'),
  /** How often a caller refreshes its list of instances from the registry. */
  DISCOVERY_REFRESH_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
};

/**
 * How a service announces itself, in addition to `discoveryConfigShape`. Only processes that
 * register hold the write token (the gateway, which only reads, does not).
 */
export const registrationConfigShape = {
  ...discoveryConfigShape,
  /** The registry's write token; not needed under `DISCOVERY=static`. */
  REGISTRY_TOKEN: secret(DEVELOPMENT_REGISTRY_TOKEN, (env) => env.DISCOVERY !== 'static'),
  /** How often an instance reports its readiness; kept below a third of the registry's TTL. */
  REGISTRY_HEARTBEAT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /**
   * The URL other processes reach this instance at. Default: `http://HOST:PORT`, or this machine's
   * first non-internal IPv4 address when HOST is a wildcard (0.0.0.0, ::), as in a container.
   */
  ADVERTISE_URL: z.url({ protocol: /^https?$/ }).optional(),
};

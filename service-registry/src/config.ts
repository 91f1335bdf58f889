import { port } from '@shop/shared/core';
import { registryTokenSetting } from '@shop/shared/discovery';
import { z } from 'zod';

/** service-registry's own settings; the shared keys (HOST, LOG_LEVEL, ...) come from @shop/shared. */
export const configShape = {
  PORT: port(3010),
  /** The bearer token that register, heartbeat and deregister carry; reads are open. */
  REGISTRY_TOKEN: registryTokenSetting(),
  /** An instance that has not heartbeated for this long is no longer handed out, at once. */
  REGISTRY_TTL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** How long an expired instance stays listed as `expired` (a heartbeat revives it) before it is removed. */
  REGISTRY_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  /** Bounds the memory a caller with the token can take, and the `service` label values in /metrics. */
  REGISTRY_MAX_SERVICES: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Bounds the instances of one name, so one runaway deployment cannot fill the table. */
  REGISTRY_MAX_INSTANCES_PER_SERVICE: z.coerce.number().int().min(1).max(10_000).default(50),
};

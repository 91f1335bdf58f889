import { z } from 'zod';

/**
 * The registry's wire format, shared by the registry (which validates requests with it) and the
 * clients in this folder (which validate its answers with it): one definition, no drift.
 */

/** A service name: lower-case letters, digits and dashes, like a DNS label. */
export const serviceNameSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be lower-case letters, digits and dashes (at most 63)');

/**
 * Where an instance answers: http or https, a host and optionally a port, nothing else. A path,
 * query, fragment or credentials could redirect callers' requests (and their tokens) elsewhere.
 * Normalised to the URL's origin (`http://host:port`).
 */
export const instanceUrlSchema = z
  .string()
  .max(300)
  .transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
      return z.NEVER;
    }
    const problem =
      url.protocol !== 'http:' && url.protocol !== 'https:'
        ? 'must use http or https'
        : url.username !== '' || url.password !== ''
          ? 'must not carry credentials'
          : url.hostname === ''
            ? 'must name a host'
            : (url.pathname !== '/' && url.pathname !== '') ||
                url.search !== '' ||
                url.hash !== '' ||
                /[?#]$/.test(value)
              ? 'must be only scheme, host and port (no path, query or fragment)'
              : undefined;
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return url.origin;
  });

export const INSTANCE_STATUSES = ['ready', 'not-ready'] as const;
export const instanceStatusSchema = z.enum(INSTANCE_STATUSES);
export type InstanceStatus = z.infer<typeof instanceStatusSchema>;

const MAX_METADATA_ENTRIES = 16;
export const metadataSchema = z
  .record(
    z.string().regex(/^[a-zA-Z][a-zA-Z0-9_.-]{0,63}$/, 'keys are letters, digits, _ . - (at most 64)'),
    z.string().max(256),
  )
  .refine((record) => Object.keys(record).length <= MAX_METADATA_ENTRIES, {
    message: `at most ${MAX_METADATA_ENTRIES} entries`,
  });

export const registrationSchema = z.strictObject({
  name: serviceNameSchema,
  url: instanceUrlSchema,
  healthPath: z
    .string()
    .max(200)
    // Non-empty segments only: `//host/x` would be read as another host.
    .regex(/^(?:\/[A-Za-z0-9_-]+)+$/, 'must be an absolute path of segments of letters, digits, _ and -')
    .default('/health/ready'),
  version: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9.+_-]*$/, 'must be a version such as 1.2.3'),
  metadata: metadataSchema.default({}),
  /** The instance's readiness as it registers; later changes come with heartbeats. */
  status: instanceStatusSchema.default('not-ready'),
});
export type Registration = z.output<typeof registrationSchema>;

export const heartbeatSchema = z.strictObject({ status: instanceStatusSchema });

/** The answer to a registration (201 new, 200 the same name and url again) and to a heartbeat. */
export const leaseSchema = z.object({ id: z.string().min(1), ttlSeconds: z.number().int().positive() });
export type Lease = z.infer<typeof leaseSchema>;

/** One instance as the registry shows it. `expired`: it missed its TTL and is no longer handed out. */
export const instanceViewSchema = z.object({
  id: z.string(),
  name: serviceNameSchema,
  url: z.string(),
  healthPath: z.string(),
  version: z.string(),
  metadata: z.record(z.string(), z.string()),
  status: z.enum([...INSTANCE_STATUSES, 'expired']),
  registeredAt: z.string(),
  lastHeartbeatAt: z.string(),
});
export type InstanceView = z.infer<typeof instanceViewSchema>;

export const serviceViewSchema = z.object({ name: serviceNameSchema, instances: z.array(instanceViewSchema) });
export const servicesViewSchema = z.object({ services: z.array(serviceViewSchema) });
export type ServiceView = z.infer<typeof serviceViewSchema>;

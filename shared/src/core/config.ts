import { z } from 'zod';

/** Thrown when the environment does not satisfy a service's schema; names each bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const MIN_PRODUCTION_SECRET_BYTES = 32;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

// The schemas made by `secret()` (their defaults are public development values), each with when it is needed.
const secretSchemas = new WeakMap<object, (env: NodeJS.ProcessEnv) => boolean>();

/**
 * A shared secret (a signing key, a token). Unset, it falls back to `developmentValue`, which is
 * public (it is in the source): accepted only outside production and on a loopback HOST. In
 * production it must be set and at least 32 bytes. `parseConfig` enforces both, unless `isNeeded`
 * says the process will not use it (a registry token under `DISCOVERY=static`).
 */
export function secret(developmentValue: string, isNeeded: (env: NodeJS.ProcessEnv) => boolean = () => true) {
  const schema = z.string().min(1).default(developmentValue);
  secretSchemas.set(schema, isNeeded);
  return schema;
}

/** The key that signs and checks access tokens, for every process that issues or verifies them. */
export const tokenConfigShape = {
  JWT_SECRET: secret('development-only-jwt-secret-do-not-use-in-production'),
  // Access tokens cannot be revoked, so they live briefly (15 min); sessions last through refresh tokens.
  JWT_EXPIRES_IN_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
};

/**
 * The Redis a process uses (the gateway's shared counts and live feed, the order event streams);
 * unset: none (in `@shop/shared/core`, so reading config never loads the Redis client).
 */
export const redisConfigShape = {
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
};

/** Settings every service shares. Keys are the environment variable names. */
export const baseConfigShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI')
    .default('mongodb://127.0.0.1:27017'),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(100 * 1024),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** After SIGTERM, how long /health/ready answers 503 while still serving, before the listener closes. */
  SHUTDOWN_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).optional(),
};

const baseConfigSchema = z.object(baseConfigShape).transform((config) => ({
  ...config,
  // Behind a load balancer (production) readiness must fail a few probes before the port closes.
  SHUTDOWN_DRAIN_DELAY_MS: config.SHUTDOWN_DRAIN_DELAY_MS ?? (config.NODE_ENV === 'production' ? 5000 : 0),
}));

export type BaseConfig = z.output<typeof baseConfigSchema>;
export type ServiceConfig<S extends z.ZodRawShape> = BaseConfig & z.output<z.ZodObject<S>>;

/** The secrets of `shape` that `env` leaves at their development value where that is not allowed, or sets too short. */
function secretProblems(shape: z.ZodRawShape, env: NodeJS.ProcessEnv, base: BaseConfig): string[] {
  const problems: string[] = [];
  for (const [key, schema] of Object.entries(shape)) {
    const isNeeded = secretSchemas.get(schema);
    if (isNeeded === undefined || !isNeeded(env)) continue;
    const value = env[key];
    if (base.NODE_ENV === 'production') {
      if (value === undefined || Buffer.byteLength(value) < MIN_PRODUCTION_SECRET_BYTES)
        problems.push(`${key}: is required in production and must be at least ${MIN_PRODUCTION_SECRET_BYTES} bytes`);
    } else if (value === undefined && !LOOPBACK_HOSTS.has(base.HOST)) {
      problems.push(`${key}: is required when HOST is not a loopback address (HOST=${base.HOST})`);
    }
  }
  return problems;
}

/**
 * Parses the shared keys plus a service's own `shape` from the environment.
 * Throws a ConfigError naming every missing or bad variable.
 */
export function parseConfig<S extends z.ZodRawShape>(
  shape: S,
  environment: NodeJS.ProcessEnv = process.env,
): ServiceConfig<S> {
  // An empty variable counts as unset (`ADMIN_EMAIL=` in an .env file, `${VAR:-}` in compose).
  const env = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== ''));
  const base = baseConfigSchema.safeParse(env);
  const own = z.object(shape).safeParse(env);
  const issues = [...(base.error?.issues ?? []), ...(own.error?.issues ?? [])];
  const problems = issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  if (base.success) problems.push(...secretProblems(shape, env, base.data));
  if (!base.success || !own.success || problems.length > 0) throw new ConfigError(problems);
  return { ...base.data, ...own.data };
}

import { z } from 'zod';

/** Thrown when the environment does not satisfy a service's schema; names each bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// Used only outside production, so a developer can run one service by hand; the launcher passes its own.
const DEVELOPMENT_JWT_SECRET = 'development-only-jwt-secret-do-not-use-in-production';
const MIN_PRODUCTION_SECRET_BYTES = 32;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

/** Settings every service shares. Keys are the environment variable names. */
export const baseConfigShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI')
    .default('mongodb://127.0.0.1:27017'),
  JWT_SECRET: z.string().min(1).optional(),
  // Access tokens cannot be revoked, so they live briefly (15 min); sessions last through refresh tokens.
  JWT_EXPIRES_IN_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
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

const baseConfigSchema = z
  .object(baseConfigShape)
  .superRefine((config, ctx) => {
    // The development secret is public (it is in this file): never accept it on a reachable address.
    if (config.JWT_SECRET === undefined && !LOOPBACK_HOSTS.has(config.HOST)) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: `is required when HOST is not a loopback address (HOST=${config.HOST})`,
      });
    }
    if (config.NODE_ENV !== 'production') return;
    if (config.JWT_SECRET === undefined || Buffer.byteLength(config.JWT_SECRET) < MIN_PRODUCTION_SECRET_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: `is required in production and must be at least ${MIN_PRODUCTION_SECRET_BYTES} bytes`,
      });
    }
  })
  // Outside production a fixed development secret lets a developer run one service by hand.
  .transform((config) => ({
    ...config,
    JWT_SECRET: config.JWT_SECRET ?? DEVELOPMENT_JWT_SECRET,
    // Behind a load balancer (production) readiness must fail a few probes before the port closes.
    SHUTDOWN_DRAIN_DELAY_MS: config.SHUTDOWN_DRAIN_DELAY_MS ?? (config.NODE_ENV === 'production' ? 5000 : 0),
  }));

export type BaseConfig = z.output<typeof baseConfigSchema>;
export type ServiceConfig<S extends z.ZodRawShape> = BaseConfig & z.output<z.ZodObject<S>>;

/**
 * Parses the shared keys plus a service's own `shape` from the environment.
 * Throws a ConfigError naming every missing or bad variable.
 */
export function parseConfig<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env): ServiceConfig<S> {
  const base = baseConfigSchema.safeParse(env);
  const own = z.object(shape).safeParse(env);
  const issues = [...(base.error?.issues ?? []), ...(own.error?.issues ?? [])];
  if (!base.success || !own.success) {
    throw new ConfigError(issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return { ...base.data, ...own.data };
}

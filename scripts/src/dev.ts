import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { canListen } from './database/process-utils';
import { resolveDatabase } from './database/resolve-database';
import { hasRedisServer, startRedisServer, type LocalRedis } from './redis-server';
import { seedCatalogue } from './seed';
import { SERVICES, startStack, type ServiceName } from './stack';

const DEFAULT_DATA_DIR = path.resolve(__dirname, '../../.data');

interface DevSecrets {
  jwtSecret: string;
  adminPassword: string;
}

/**
 * Development secrets made once per data folder, so tokens and the seeded admin's password keep
 * working across restarts along with the data. Never used in production: `npm start` is local.
 */
async function devSecretsIn(dataDir: string): Promise<DevSecrets> {
  const file = path.join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  const secrets: DevSecrets = {
    jwtSecret: randomBytes(32).toString('hex'),
    adminPassword: randomBytes(9).toString('base64url'),
  };
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/**
 * The Redis of a local run: REDIS_URL if set; else a `redis-server` started here (in memory, on
 * REDIS_PORT, 6379, or a free port if that one is taken) when one is installed; else none, said plainly.
 */
async function localRedis(env: NodeJS.ProcessEnv): Promise<{ url?: string; server?: LocalRedis; note: string }> {
  if (env.REDIS_URL !== undefined && env.REDIS_URL !== '') return { url: env.REDIS_URL, note: 'from REDIS_URL' };
  if (!hasRedisServer()) {
    return {
      note:
        'none: redis-server is not installed (apt-get install redis-server). Orders still work; their events ' +
        'wait in the outbox, the live feed at /api/orders/live says it is degraded, and rate limits count per process',
    };
  }
  const wanted = Number(env.REDIS_PORT ?? 6379);
  const server = await startRedisServer((await canListen(wanted)) ? wanted : undefined);
  return { url: server.url, server, note: `redis-server started at ${server.url} (in memory, stopped with the stack)` };
}

/** `--scale product-service=2` (repeatable): how many instances of each service to start. */
function parseScale(values: string[]): Partial<Record<ServiceName, number>> {
  const scale: Partial<Record<ServiceName, number>> = {};
  for (const value of values) {
    const match = /^([a-z-]+)=(\d+)$/.exec(value);
    const name = match?.[1] as ServiceName | undefined;
    const count = Number(match?.[2]);
    if (name === undefined || !SERVICES.includes(name) || !Number.isInteger(count) || count < 1 || count > 16) {
      throw new Error(`--scale ${value}: expected <service>=<1..16>, with a service among ${SERVICES.join(', ')}`);
    }
    scale[name] = count;
  }
  return scale;
}

/**
 * `npm start`: the registry, every service and the gateway as processes of their own on an
 * embedded (or MONGODB_URI) database whose data is kept in SHOP_DATA_DIR (default `.data/`)
 * between runs. `-- --fresh` starts empty; `-- --seed` also creates an admin account and sample
 * products; `-- --scale product-service=2` starts two instances of product-service (any service).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
      scale: { type: 'string', multiple: true, default: [] },
    },
  });
  const scale = parseScale(values.scale);
  const env = process.env;
  const dataDir = path.resolve(env.SHOP_DATA_DIR ?? DEFAULT_DATA_DIR);
  if (values.fresh) {
    await rm(dataDir, { recursive: true, force: true });
    console.log(`--fresh: removed ${dataDir}`);
  }
  const secrets = await devSecretsIn(dataDir);
  const database = await resolveDatabase({ dataDir });
  const redis = await localRedis(env);
  const stopBackingServices = async () => {
    await redis.server?.stop({ graceful: true });
    await database.stop();
  };
  const jwtSecret = env.JWT_SECRET ?? secrets.jwtSecret;
  const admin = { email: env.ADMIN_EMAIL ?? 'admin@shop.local', password: env.ADMIN_PASSWORD ?? secrets.adminPassword };
  const ports: Record<ServiceName, number> = {
    'service-registry': Number(env.REGISTRY_PORT ?? 3010),
    'user-service': Number(env.USER_SERVICE_PORT ?? 3001),
    'product-service': Number(env.PRODUCT_SERVICE_PORT ?? 3002),
    'order-service': Number(env.ORDER_SERVICE_PORT ?? 3003),
    'api-gateway': Number(env.GATEWAY_PORT ?? 3000),
  };
  const width = Math.max(...SERVICES.map((s) => s.length)) + 3;

  const stack = await startStack({
    mongoUri: database.uri,
    jwtSecret,
    ports,
    scale,
    // The registry token is made per run: only the processes started here can register.
    env: {
      NODE_ENV: env.NODE_ENV ?? 'development',
      LOG_LEVEL: env.LOG_LEVEL ?? 'info',
      ...(redis.url === undefined ? {} : { REDIS_URL: redis.url }),
    },
    serviceEnv: values.seed ? { 'user-service': { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password } } : {},
    onLine: (service, line, instance) => {
      const label = (scale[service] ?? 1) > 1 ? `${service}#${instance}` : service;
      process.stdout.write(`${label.padEnd(width)} | ${line}\n`);
    },
  }).catch(async (error: unknown) => {
    await stopBackingServices();
    throw error;
  });

  let isStopping = false;
  const shutdown = (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    console.log(`\n${signal}: stopping services…`);
    void stack
      .stop()
      .then(stopBackingServices)
      .then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  if (values.seed) {
    const created = await seedCatalogue(
      { user: stack.url('user-service'), product: stack.url('product-service') },
      admin,
    );
    console.log(`\nSeeded: admin ${admin.email} / ${admin.password}, ${created} sample products`);
  }
  console.log(
    `\nDatabase: ${database.engine} at ${database.uri}${database.engine === 'external' ? '' : `, data kept in ${dataDir} (npm start -- --fresh to start empty)`}`,
  );
  console.log(`Redis: ${redis.note}`);
  for (const name of SERVICES) {
    const urls = stack.instances[name].map((instance) => instance.url);
    console.log(`${name.padEnd(width)}  ${urls.join('  ')}`);
  }
  console.log(`\nPublic API: ${stack.url('api-gateway')}/api (metrics at /metrics, readiness at /health/ready)`);
  console.log(
    `\nJWT secret: ${env.JWT_SECRET === undefined ? `development secret kept in ${path.join(dataDir, 'dev-secrets.json')}` : 'from JWT_SECRET'}`,
  );
  console.log('Press Ctrl-C to stop.');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

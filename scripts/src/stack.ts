import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './database/process-utils';

/** In start order: the registry first, the gateway last, once the services behind it are up. */
export const SERVICES = [
  'service-registry',
  'user-service',
  'product-service',
  'order-service',
  'api-gateway',
] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface StackOptions {
  mongoUri: string;
  jwtSecret: string;
  /** Each process's port; a free one for any not given. */
  ports?: Partial<Record<ServiceName, number>>;
  /** Instances per service (default 1); the extra ones listen on free ports. */
  scale?: Partial<Record<ServiceName, number>>;
  /** The registry's write token; a random one by default. */
  registryToken?: string;
  /** Prefix for each service's database name, so several stacks can share one server. */
  dbPrefix?: string;
  /** Extra environment for every service, or for one. */
  env?: Record<string, string>;
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Receives each output line; by default output is kept only for error reports. */
  onLine?: (service: ServiceName, line: string, instance: number) => void;
  readyTimeoutMs?: number;
  /**
   * Write every process's output to this open file instead of a pipe read here (benchmarks: the
   * logs are written to a real file, as in a deployment, and cost this process nothing to read).
   */
  outputFd?: number;
  /** Extra node flags for one service, e.g. `--cpu-prof`. */
  nodeArgs?: Partial<Record<ServiceName, string[]>>;
}

/** Options of a stack that starts only some of the processes (drills that need no gateway). */
export interface PartialStackOptions<N extends ServiceName> extends StackOptions {
  /** The processes to start, in SERVICES order whatever the order here; default all of them. */
  only?: readonly N[];
}

export interface RunningService {
  name: ServiceName;
  url: string;
  child: ChildProcess;
  output: string[];
}

export interface RunningStack<N extends ServiceName = ServiceName> {
  /** The first instance of each process. */
  services: Record<N, RunningService>;
  /** Every instance of each process, the first one first. */
  instances: Record<N, RunningService[]>;
  /** The first instance's URL (the one the other processes are configured with). */
  url(service: ServiceName): string;
  /** Starts one more instance of a service on a free port (with `env` added) and waits until it is ready. */
  addInstance(name: N, env?: Record<string, string>): Promise<RunningService>;
  /**
   * Starts a fresh process for one service with the same environment and port (stopping the
   * current one with SIGTERM first if it still runs) and waits until it is ready. `services[name]`
   * then refers to the new process, so `stop()` stops it.
   */
  restart(name: N): Promise<RunningService>;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../..');
const DATABASE_NAMES: Record<ServiceName, string> = {
  'service-registry': '',
  'user-service': 'users',
  'product-service': 'products',
  'order-service': 'orders',
  'api-gateway': '',
};
const KEPT_LINES = 200;

/** Starts one built service as its own process. */
export function startService(
  name: ServiceName,
  env: Record<string, string>,
  onLine?: (line: string) => void,
  outputFd?: number,
  nodeArgs: string[] = [],
): RunningService {
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, name, 'dist', 'main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', outputFd ?? 'pipe', outputFd ?? 'pipe'],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line === '') continue;
      output.push(line);
      if (output.length > KEPT_LINES) output.shift();
      onLine?.(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return { name, url: `http://127.0.0.1:${env.PORT}`, child, output };
}

export async function waitUntilReady(service: RunningService, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) {
      throw new Error(
        `${service.name} exited with ${service.child.exitCode}:\n${service.output.slice(-20).join('\n')}`,
      );
    }
    const isReady = await fetch(`${service.url}/health/ready`, { signal: AbortSignal.timeout(1000) })
      .then((res) => res.ok)
      .catch(() => false);
    if (isReady) return;
    await sleep(100);
  }
  throw new Error(`${service.name} was not ready within ${timeoutMs} ms:\n${service.output.slice(-20).join('\n')}`);
}

/** Sends SIGTERM and waits for the exit; SIGKILL if it does not come within the bound. */
export async function stopService(service: RunningService, timeoutMs = 10_000): Promise<void> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Starts every service and the gateway (or the `only` ones) as real processes and waits until each is ready. */
export async function startStack<N extends ServiceName = ServiceName>(
  options: PartialStackOptions<N>,
): Promise<RunningStack<N>> {
  const names = SERVICES.filter(
    (name): name is N => options.only === undefined || (options.only as readonly ServiceName[]).includes(name),
  );
  const ports = {} as Record<ServiceName, number>;
  for (const name of SERVICES) ports[name] = options.ports?.[name] ?? (await freePort());
  const url = (name: ServiceName) => `http://127.0.0.1:${ports[name]}`;
  const withRegistry = (names as readonly ServiceName[]).includes('service-registry');
  const registryToken = options.registryToken ?? randomBytes(32).toString('hex');
  const envOf = (name: N, port: number): Record<string, string> => ({
    HOST: '127.0.0.1',
    PORT: String(port),
    MONGODB_URI: options.mongoUri,
    MONGODB_DB: `${options.dbPrefix ?? ''}${DATABASE_NAMES[name]}`,
    JWT_SECRET: options.jwtSecret,
    USER_SERVICE_URL: url('user-service'),
    PRODUCT_SERVICE_URL: url('product-service'),
    ORDER_SERVICE_URL: url('order-service'),
    // Each stack has a registry of its own (never one that happens to run on the default port).
    DISCOVERY: withRegistry ? 'registry' : 'static',
    REGISTRY_URL: url('service-registry'),
    REGISTRY_TOKEN: registryToken,
    ...options.env,
    ...options.serviceEnv?.[name],
  });
  /** `instance`: 1 for the first of a service, 2 for the next, ... (labels its output). */
  const launch = (name: N, port: number, instance = 1, env: Record<string, string> = {}) =>
    startService(
      name,
      { ...envOf(name, port), ...env },
      options.onLine === undefined ? undefined : (line) => options.onLine?.(name, line, instance),
      options.outputFd,
      options.nodeArgs?.[name],
    );
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const instances = {} as Record<N, RunningService[]>;
  const services = {} as Record<N, RunningService>;
  const all = () => names.flatMap((name) => instances[name] ?? []);
  const stop = async () => {
    await Promise.all(all().map((service) => stopService(service)));
  };
  const restart = async (name: N): Promise<RunningService> => {
    await stopService(services[name]);
    services[name] = launch(name, ports[name]);
    instances[name][0] = services[name];
    await waitUntilReady(services[name], readyTimeoutMs);
    return services[name];
  };
  const addInstance = async (name: N, env: Record<string, string> = {}): Promise<RunningService> => {
    const instance = launch(name, await freePort(), instances[name].length + 1, env);
    instances[name].push(instance);
    await waitUntilReady(instance, readyTimeoutMs);
    return instance;
  };
  try {
    for (const name of names) {
      services[name] = launch(name, ports[name]);
      instances[name] = [services[name]];
      for (let extra = 1; extra < (options.scale?.[name] ?? 1); extra++) {
        instances[name].push(launch(name, await freePort(), extra + 1));
      }
      // The registry first, so every instance registers on its first try.
      if (name === 'service-registry') await waitUntilReady(services[name], readyTimeoutMs);
    }
    await Promise.all(all().map((service) => waitUntilReady(service, readyTimeoutMs)));
  } catch (error) {
    await stop();
    throw error;
  }
  return { services, instances, url, addInstance, restart, stop };
}

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** In start order: the gateway last, once the services behind it are up. */
export const SERVICES = ['user-service', 'product-service', 'order-service', 'api-gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface StackOptions {
  mongoUri: string;
  jwtSecret: string;
  ports: Record<ServiceName, number>;
  /** Prefix for each service's database name, so several stacks can share one server. */
  dbPrefix?: string;
  /** Extra environment for every service, or for one. */
  env?: Record<string, string>;
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Receives each output line; by default output is kept only for error reports. */
  onLine?: (service: ServiceName, line: string) => void;
  readyTimeoutMs?: number;
  /** Send output to /dev/null (benchmarks: the logs are still written, nobody reads them). */
  discardOutput?: boolean;
}

export interface RunningService {
  name: ServiceName;
  url: string;
  child: ChildProcess;
  output: string[];
}

export interface RunningStack {
  services: Record<ServiceName, RunningService>;
  url(service: ServiceName): string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../..');
const DATABASE_NAMES: Record<ServiceName, string> = { 'user-service': 'users', 'product-service': 'products', 'order-service': 'orders', 'api-gateway': '' };
const KEPT_LINES = 200;

/** Starts one built service as its own process. */
export function startService(name: ServiceName, env: Record<string, string>, onLine?: (line: string) => void, discardOutput = false): RunningService {
  const child = spawn(process.execPath, [path.join(ROOT, name, 'dist', 'main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', discardOutput ? 'ignore' : 'pipe', discardOutput ? 'ignore' : 'pipe'],
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
      throw new Error(`${service.name} exited with ${service.child.exitCode}:\n${service.output.slice(-20).join('\n')}`);
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

/** Starts every service and the gateway as real processes and waits until each is ready. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const url = (name: ServiceName) => `http://127.0.0.1:${options.ports[name]}`;
  const services = {} as Record<ServiceName, RunningService>;
  for (const name of SERVICES) {
    services[name] = startService(
      name,
      {
        HOST: '127.0.0.1',
        PORT: String(options.ports[name]),
        MONGODB_URI: options.mongoUri,
        MONGODB_DB: `${options.dbPrefix ?? ''}${DATABASE_NAMES[name]}`,
        JWT_SECRET: options.jwtSecret,
        USER_SERVICE_URL: url('user-service'),
        PRODUCT_SERVICE_URL: url('product-service'),
        ORDER_SERVICE_URL: url('order-service'),
        ...options.env,
        ...options.serviceEnv?.[name],
      },
      options.onLine === undefined ? undefined : (line) => options.onLine?.(name, line),
      options.discardOutput,
    );
  }
  const stop = async () => {
    await Promise.all(SERVICES.map((name) => stopService(services[name])));
  };
  try {
    await Promise.all(SERVICES.map((name) => waitUntilReady(services[name], options.readyTimeoutMs ?? 30_000)));
  } catch (error) {
    await stop();
    throw error;
  }
  return { services, url, stop };
}

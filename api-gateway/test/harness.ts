import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import {
  TEST_DOUBLE_HEADER,
  TEST_JWT_SECRET,
  freePort,
  startService,
  stopService,
  testLogger,
  type RunningService,
} from '@shop/test-support';
import { createApp, type GatewayDeps } from '../src/app';
import { createTokenVerifier } from '../src/auth';
import { createGatewayMetrics } from '../src/metrics';
import { isWebSocketUpgrade, routeUpgrades } from '../src/upgrade';
import { fixedEndpoint } from '@shop/shared/discovery';
import { UPSTREAMS, type UpstreamEndpoints, type UpstreamName } from '../src/upstreams';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface FakeUpstream {
  name: UpstreamName;
  url: string;
  requests: RecordedRequest[];
  /** Replace how it answers; the default echoes what it received as JSON. */
  handle: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A real HTTP server standing in for a service: records every request it gets. */
export async function startUpstream(name: UpstreamName): Promise<FakeUpstream> {
  const upstream: FakeUpstream = {
    name,
    url: '',
    requests: [],
    handle: (req, res, body) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ upstream: name, method: req.method, url: req.url, bodyLength: body.length }));
    },
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      upstream.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      // What a stand-in answers is not the API's answer: the contract check leaves it alone.
      res.setHeader(TEST_DOUBLE_HEADER, name);
      if (req.url === '/health/ready') {
        res.end('{"status":"ready"}');
        return;
      }
      upstream.handle(req, res, body);
    });
  });
  upstream.url = await listen(server);
  upstream.close = () => close(server);
  return upstream;
}

/** Gateway settings a test may change; `limits` need name only the limiters the test is about. */
/** `upstreams` replaces the named upstreams' fixed endpoints (several instances, for example). */
export type GatewayOverrides = Partial<Omit<GatewayDeps, 'limits' | 'upstreams'>> & {
  limits?: Partial<GatewayDeps['limits']>;
  upstreams?: Partial<UpstreamEndpoints>;
};

export interface TestGateway {
  url: string;
  upstreams: Record<UpstreamName, FakeUpstream>;
  close(): Promise<void>;
}

const generous = { windowMs: 60_000, limit: 10_000 };

/** The real gateway app on a real socket, in front of three recording upstreams. */
export async function startGateway(
  overrides: GatewayOverrides = {},
  upstreamUrls: Partial<Record<UpstreamName, string>> = {},
): Promise<TestGateway> {
  const upstreams = Object.fromEntries(
    await Promise.all(UPSTREAMS.map(async (name) => [name, await startUpstream(name)] as const)),
  ) as Record<UpstreamName, FakeUpstream>;
  const urls = Object.fromEntries(UPSTREAMS.map((name) => [name, upstreamUrls[name] ?? upstreams[name].url])) as Record<
    UpstreamName,
    string
  >;
  const app = createApp({
    logger: testLogger,
    metrics: createGatewayMetrics(testLogger),
    verifyToken: createTokenVerifier(TEST_JWT_SECRET),
    upstreamTimeoutMs: 5000,
    upstreamConnectTimeoutMs: 1000,
    bodyLimitBytes: 100 * 1024,
    trustProxy: false,
    corsOrigins: [],
    ...overrides,
    upstreams: {
      ...(Object.fromEntries(UPSTREAMS.map((name) => [name, fixedEndpoint(urls[name])])) as UpstreamEndpoints),
      ...overrides.upstreams,
    },
    // Every limit generous unless a test sets it: a test names only the limits it is about.
    limits: { global: generous, password: generous, login: generous, orders: generous, ...overrides.limits },
  });
  // As main.ts sets it up: WebSocket upgrades go through the same app.
  const server = createServer({ shouldUpgradeCallback: isWebSocketUpgrade }, app);
  routeUpgrades(server, app);
  const url = await listen(server);
  return {
    url,
    upstreams,
    close: async () => {
      await overrides.liveFeed?.close();
      await close(server);
      await Promise.all(UPSTREAMS.map((name) => upstreams[name].close()));
    },
  };
}

/** For one test file: a `startGateway` whose gateways are all closed after the file. */
export function useGateways(): (...args: Parameters<typeof startGateway>) => Promise<TestGateway> {
  const started: TestGateway[] = [];
  afterAll(async () => {
    await Promise.all(started.map((gw) => gw.close()));
  });
  return async (...args) => {
    const gw = await startGateway(...args);
    started.push(gw);
    return gw;
  };
}

/** The real gateway as a process (supervising primary and its worker), in front of recording upstreams. */
export async function startGatewayProcess(
  upstreams: FakeUpstream[],
  env: Record<string, string> = {},
): Promise<RunningService & { port: number }> {
  const port = await freePort();
  const [users, products, orders] = upstreams;
  const gateway = startService('api-gateway', {
    PORT: String(port),
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    JWT_SECRET: TEST_JWT_SECRET,
    DISCOVERY: 'static',
    USER_SERVICE_URL: users!.url,
    PRODUCT_SERVICE_URL: products!.url,
    ORDER_SERVICE_URL: orders!.url,
    ...env,
  });
  for (let i = 0; i < 100; i++) {
    if (await isHealthy(port)) return { ...gateway, port };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stopService(gateway);
  throw new Error(`gateway did not start:\n${gateway.output.join('\n')}`);
}

/** GET /health on a connection of its own, closed after (a pooled one would count against the caps). */
export function isHealthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.setTimeout(1000, () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** For one test file: the three recording upstreams, started before its tests and closed after. */
export function useUpstreams(): FakeUpstream[] {
  const upstreams: FakeUpstream[] = [];
  beforeAll(async () => {
    upstreams.push(...(await Promise.all(UPSTREAMS.map((name) => startUpstream(name)))));
  });
  afterAll(async () => {
    await Promise.all(upstreams.map((upstream) => upstream.close()));
  });
  return upstreams;
}

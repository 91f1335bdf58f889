import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { resolveDatabase } from './database/resolve-database';
import { freePort, hasCommand, waitForPort } from './database/process-utils';
import { cpuBetween, hasProcFs, sampleCpu } from './bench/process-cpu';
import { startService, startStack, stopService, type RunningService } from './stack';

/**
 * `npm run bench:gateway`: GET one product (a) straight from product-service, (b) through the
 * gateway with all its middleware, public and with a token, (c) through nginx as a plain reverse
 * proxy, (d) through a bare node:http proxy. Same connections and duration for each, one run;
 * besides throughput and latency, the CPU each proxy process spent per request (from /proc).
 */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 10);
// A gateway's CPU per request keeps falling for seconds after it starts (JIT, heap sizing): a
// 2 s warm-up made whichever target came first look 10-20 % dearer than the same one measured later.
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
/** The gateway's micro-cache freshness variable: 0 turns the cache off, empty leaves the default. */
const MICRO_CACHE_ENV = 'GATEWAY_MICRO_CACHE_MS';
const PHASES = new Set((process.env.BENCH_PHASES ?? 'product,stub,cache').split(',').map((phase) => phase.trim()));

const BARE_PROXY = `
const http = require('node:http');
const [port, target] = [Number(process.argv[1]), new URL(process.argv[2])];
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
http.createServer((req, res) => {
  const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent }, (upRes) => {
    res.writeHead(upRes.statusCode, upRes.headers);
    upRes.pipe(res);
  });
  up.on('error', () => { res.statusCode = 502; res.end(); });
  req.pipe(up);
}).listen(port, '127.0.0.1');
`;

function nginxConfig(dir: string, port: number, upstreamPort: number): string {
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream product { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://product; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`;
}

interface Result {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU time the measured process (with its children) spent per answered request, in µs. */
  cpuMicrosPerRequest?: number;
}

/**
 * Load on one target; `pid` is the process that serves it (its children count too: cluster
 * workers, nginx's worker), whose CPU per request is read from /proc around the measured part.
 */
async function measure(
  name: string,
  url: string,
  pid: number | undefined,
  headers: Record<string, string> = {},
): Promise<Result> {
  // A warm-up so JIT and connection pools are in steady state for every target alike.
  await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_SECONDS, headers });
  const probes = pid === undefined || !hasProcFs() ? [] : [{ label: name, pid }];
  const before = sampleCpu(probes);
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_SECONDS, headers });
  const cpuMs = cpuBetween(before, sampleCpu(probes)).get(name);
  const answered = result.requests.total;
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    cpuMicrosPerRequest: cpuMs === undefined || answered === 0 ? undefined : (cpuMs * 1000) / answered,
  };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

// Answers every request with one fixed product, as fast as Node can: an upstream that is never the bottleneck.
const STUB_UPSTREAM = `
const http = require('node:http');
const body = process.argv[2];
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.argv[1]), '127.0.0.1');
`;

interface Targets {
  /** Short name in the summary line. */
  key: string;
  title: string;
  upstream: string;
  upstreamPid: number;
  gateway: RunningService;
  /** The same gateway with GATEWAY_WORKERS=auto (one worker per core). */
  clusteredGateway?: RunningService;
}

const fixed = (value: number | undefined, digits = 0) => (value === undefined ? '—' : value.toFixed(digits));

/** Prints one phase's table and ratios; returns its part of the one-line summary. */
function printTable(phase: Targets, results: Result[]): string {
  console.log(
    `\n${phase.title}: GET one product, ${CONNECTIONS} connections, ${DURATION_SECONDS} s each (after a ${WARMUP_SECONDS} s warm-up)\n`,
  );
  console.log(
    `${'target'.padEnd(32)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}  errors  non-2xx  CPU µs/req`,
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(32)} ${fixed(r.requestsPerSecond).padStart(9)} ${String(r.p50).padStart(7)} ${String(r.p99).padStart(7)}  ${String(r.errors).padStart(6)}  ${String(r.non2xx).padStart(7)}  ${fixed(r.cpuMicrosPerRequest).padStart(10)}`,
    );
  }
  const byName = (prefix: string) => results.find((r) => r.name.startsWith(prefix));
  const nginx = byName('(c)');
  const bare = byName('(d)');
  const cores = availableParallelism();
  const gateways = [
    ['1 worker, public', 'public', byName('(b) gateway, public')],
    ['1 worker, JWT', 'jwt', byName('(b) gateway, with JWT')],
    [`${cores} workers, public`, `x${cores}public`, byName(`(b) gateway x${cores}, public`)],
    [`${cores} workers, JWT`, `x${cores}jwt`, byName(`(b) gateway x${cores}, JWT`)],
  ] as const;
  const summary: string[] = [];
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || b === 0 ? undefined : a / b;
  for (const [label, key, g] of gateways) {
    if (g === undefined) continue;
    const ofNginx = ratio(g.requestsPerSecond, nginx?.requestsPerSecond);
    const ofBare = ratio(g.requestsPerSecond, bare?.requestsPerSecond);
    const cpuOfBare = ratio(g.cpuMicrosPerRequest, bare?.cpuMicrosPerRequest);
    console.log(
      `gateway (${label}): ${fixed(ofNginx, 2)} of nginx (aim >= 0.25), ${fixed(ofBare, 2)} of the bare proxy (aim >= 0.50), ` +
        `CPU per request ${fixed(cpuOfBare, 1)}x the bare proxy's (aim <= 3)`,
    );
    summary.push(
      `${key}=${fixed(g.requestsPerSecond)}/${fixed(ofNginx, 2)}n/${fixed(ofBare, 2)}b/${fixed(cpuOfBare, 1)}xcpu`,
    );
  }
  const cpuOf = (r: Result | undefined) =>
    r?.cpuMicrosPerRequest === undefined ? '' : `(${fixed(r.cpuMicrosPerRequest)}us)`;
  const gateway = byName('(b) gateway, public');
  summary.unshift(
    `upstream=${fixed(byName('(a)')?.requestsPerSecond)} nginx=${fixed(nginx?.requestsPerSecond)}${cpuOf(nginx)} ` +
      `bare=${fixed(bare?.requestsPerSecond)}${cpuOf(bare)} gateway=${fixed(gateway?.requestsPerSecond)}${cpuOf(gateway)}`,
  );
  return `${phase.key}: ${summary.join(' ')}`;
}

function startHelper(args: string[], command = process.execPath): ChildProcess {
  return spawn(command, args, { stdio: 'ignore' });
}

async function main(): Promise<void> {
  const database = await resolveDatabase();
  const admin = { email: 'bench-admin@shop.local', password: randomBytes(12).toString('hex') };
  const jwtSecret = randomBytes(32).toString('hex');
  const ports = {
    'user-service': await freePort(),
    'product-service': await freePort(),
    'order-service': await freePort(),
    'api-gateway': await freePort(),
  };
  // Every process writes its log to a real file, as in a deployment (the services at warn, the
  // gateway its info line per request), never to /dev/null.
  const logDir = await mkdtemp(path.join(tmpdir(), 'bench-gateway-logs-'));
  const logFile = path.join(logDir, 'stack.log');
  const logFd = openSync(logFile, 'a');
  // In production the gateway refuses to publish /metrics on its public port without a token.
  const gatewayEnv = {
    LOG_LEVEL: 'info',
    // Every phase but 'cache' measures proxying: the micro-cache would answer the hot product itself.
    [MICRO_CACHE_ENV]: '0',
    RATE_LIMIT_MAX: '100000000',
    METRICS_TOKEN: randomBytes(16).toString('hex'),
  };
  // BENCH_PROFILE=dir writes each gateway's CPU profile there (open it in Chrome DevTools).
  const gatewayArgs =
    process.env.BENCH_PROFILE === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`];
  const stack = await startStack({
    mongoUri: database.uri,
    jwtSecret,
    dbPrefix: `bench-${randomBytes(3).toString('hex')}-`,
    ports,
    outputFd: logFd,
    nodeArgs: { 'api-gateway': gatewayArgs },
    env: { NODE_ENV: 'production', LOG_LEVEL: 'warn' },
    serviceEnv: {
      'api-gateway': gatewayEnv,
      'user-service': { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password },
    },
  });
  const helpers: ChildProcess[] = [];
  const extraServices: RunningService[] = [];
  const summary: string[] = [];
  try {
    const gateway = stack.url('api-gateway');
    const login = await fetch(`${gateway}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(admin),
    });
    const { token } = (await login.json()) as { token: string };
    const created = await fetch(`${gateway}/api/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: 'Benchmark lamp', description: 'x', price: 19.99, category: 'bench', stock: 5 }),
    });
    const productJson = await created.text();
    const { id } = JSON.parse(productJson) as { id: string };
    const productPath = `/products/${id}`;

    const startGateway = async (
      productServiceUrl: string,
      workers: string,
      { microCache = false } = {},
    ): Promise<RunningService> => {
      const gatewayPort = await freePort();
      const env: Record<string, string> = {
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(gatewayPort),
        JWT_SECRET: jwtSecret,
        USER_SERVICE_URL: stack.url('user-service'),
        ORDER_SERVICE_URL: stack.url('order-service'),
        PRODUCT_SERVICE_URL: productServiceUrl,
        GATEWAY_WORKERS: workers,
        ...gatewayEnv,
      };
      // The cache phase runs the gateway with its micro-cache as configured by default.
      if (microCache) delete env[MICRO_CACHE_ENV];
      const started = startService('api-gateway', env, undefined, logFd, gatewayArgs);
      extraServices.push(started);
      await waitForPort(gatewayPort, 10_000);
      return started;
    };

    const phases: Targets[] = [];
    if (PHASES.has('product'))
      phases.push({
        key: 'product',
        title: 'Against product-service (mongoose on the embedded database)',
        upstream: stack.url('product-service'),
        upstreamPid: stack.services['product-service'].child.pid!,
        gateway: stack.services['api-gateway'],
      });
    if (PHASES.has('stub')) {
      // The same product from a stub that answers at Node's top speed, behind gateways of their
      // own, so the proxies rather than product-service and its database are what is measured.
      const stubPort = await freePort();
      const stub = startHelper(['-e', STUB_UPSTREAM, String(stubPort), productJson]);
      helpers.push(stub);
      await waitForPort(stubPort, 5000);
      const stubUrl = `http://127.0.0.1:${stubPort}`;
      phases.push({
        key: 'stub',
        title: 'Against a stub upstream (proxy overhead alone)',
        upstream: stubUrl,
        upstreamPid: stub.pid!,
        gateway: await startGateway(stubUrl, '1'),
        clusteredGateway: await startGateway(stubUrl, 'auto'),
      });
    }
    if (PHASES.has('cache'))
      phases.push({
        key: 'cache',
        title: `Against product-service, the gateway's micro-cache on (its default freshness)`,
        upstream: stack.url('product-service'),
        upstreamPid: stack.services['product-service'].child.pid!,
        gateway: await startGateway(stack.url('product-service'), '1', { microCache: true }),
      });
    const byPhase = new Map<string, Result[]>();
    for (const phase of phases) {
      const bareProxyPort = await freePort();
      const bare = startHelper(['-e', BARE_PROXY, String(bareProxyPort), phase.upstream]);
      helpers.push(bare);
      await waitForPort(bareProxyPort, 5000);
      // The upstream (and its database's JIT, on mongo-java-server) warms up once before any target.
      await autocannon({ url: `${phase.upstream}${productPath}`, connections: CONNECTIONS, duration: 5 });

      const results: Result[] = [];
      results.push(await measure('(a) upstream direct', `${phase.upstream}${productPath}`, phase.upstreamPid));
      const gatewayUrl = `${phase.gateway.url}/api${productPath}`;
      results.push(await measure('(b) gateway, public route', gatewayUrl, phase.gateway.child.pid));
      results.push(
        await measure('(b) gateway, with JWT check', gatewayUrl, phase.gateway.child.pid, {
          authorization: `Bearer ${token}`,
        }),
      );
      const clustered = phase.clusteredGateway;
      if (clustered !== undefined) {
        const cores = availableParallelism();
        const url = `${clustered.url}/api${productPath}`;
        results.push(await measure(`(b) gateway x${cores}, public`, url, clustered.child.pid));
        results.push(
          await measure(`(b) gateway x${cores}, JWT`, url, clustered.child.pid, { authorization: `Bearer ${token}` }),
        );
      }
      if (hasCommand('nginx')) {
        const dir = await mkdtemp(path.join(logDir, 'nginx-'));
        const nginxPort = await freePort();
        await writeFile(
          path.join(dir, 'nginx.conf'),
          nginxConfig(dir, nginxPort, Number(new URL(phase.upstream).port)),
        );
        const nginx = startHelper(['-c', path.join(dir, 'nginx.conf'), '-p', dir, '-g', 'daemon off;'], 'nginx');
        helpers.push(nginx);
        await waitForPort(nginxPort, 5000);
        results.push(
          await measure('(c) nginx reverse proxy', `http://127.0.0.1:${nginxPort}${productPath}`, nginx.pid),
        );
      } else {
        console.log('nginx not found: (c) skipped (install Debian package nginx-light or nginx)');
      }
      results.push(
        await measure('(d) bare node:http proxy', `http://127.0.0.1:${bareProxyPort}${productPath}`, bare.pid),
      );
      summary.push(printTable(phase, results));
      byPhase.set(phase.key, results);
    }
    // The catalogue aim: a hot product read through the gateway (cached) at 0.8 or more of what
    // the gateway proxies from an upstream that costs nothing (the stub).
    const cached = byPhase.get('cache')?.find((r) => r.name.startsWith('(b) gateway, public'));
    const proxied = byPhase.get('stub')?.find((r) => r.name.startsWith('(b) gateway, public'));
    if (cached !== undefined && proxied !== undefined) {
      const ratio = cached.requestsPerSecond / proxied.requestsPerSecond;
      console.log(`\nhot product read, cached, / the gateway against the stub: ${ratio.toFixed(2)} (aim >= 0.80)`);
      summary.push(`cached/stub=${ratio.toFixed(2)}`);
    }
  } finally {
    await Promise.all([...helpers.map(stop), ...extraServices.map((service) => stopService(service))]);
    await stack.stop();
    await database.stop();
    closeSync(logFd);
    const megabytes = statSync(logFile).size / 1e6;
    console.log(`\nlogs: ${megabytes.toFixed(1)} MB written to a file by the stack and the gateways (then deleted)`);
    await rm(logDir, { recursive: true, force: true });
  }
  console.log(`\nbench:gateway ${new Date().toISOString().slice(0, 10)} ${summary.join(' | ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

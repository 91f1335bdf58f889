import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { resolveDatabase } from './database/resolve-database';
import { freePort, hasCommand, waitForPort } from './database/process-utils';
import { startService, startStack, stopService, type RunningService } from './stack';

/**
 * `npm run bench:gateway`: GET one product (a) straight from product-service, (b) through the
 * gateway with all its middleware, public and with a token, (c) through nginx as a plain reverse
 * proxy, (d) through a bare node:http proxy. Same connections and duration for each, one run.
 */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 10);

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
}

async function measure(name: string, url: string, headers: Record<string, string> = {}): Promise<Result> {
  // A short warm-up so JIT and connection pools are in steady state for every target alike.
  await autocannon({ url, connections: CONNECTIONS, duration: 2, headers });
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_SECONDS, headers });
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
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
  title: string;
  upstream: string;
  gateway: string;
  /** The same gateway with GATEWAY_WORKERS=auto (one worker per core). */
  clusteredGateway?: string;
}

function printTable(title: string, results: Result[]): void {
  console.log(
    `\n${title}: GET one product, ${CONNECTIONS} connections, ${DURATION_SECONDS} s each (after a 2 s warm-up)\n`,
  );
  console.log(
    `${'target'.padEnd(32)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}  errors  non-2xx`,
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(32)} ${r.requestsPerSecond.toFixed(0).padStart(9)} ${String(r.p50).padStart(7)} ${String(r.p99).padStart(7)}  ${String(r.errors).padStart(6)}  ${String(r.non2xx).padStart(7)}`,
    );
  }
  const byName = (prefix: string) => results.find((r) => r.name.startsWith(prefix));
  const nginx = byName('(c)');
  const bare = byName('(d)');
  const cores = availableParallelism();
  const gateways = [
    ['1 worker, public', byName('(b) gateway, public')],
    ['1 worker, JWT', byName('(b) gateway, with JWT')],
    [`${cores} workers, public`, byName(`(b) gateway x${cores}, public`)],
    [`${cores} workers, JWT`, byName(`(b) gateway x${cores}, JWT`)],
  ] as const;
  for (const [label, g] of gateways) {
    if (g === undefined) continue;
    if (nginx !== undefined)
      console.log(
        `gateway (${label}) / nginx:      ${(g.requestsPerSecond / nginx.requestsPerSecond).toFixed(2)}  (aim >= 0.25)`,
      );
    if (bare !== undefined)
      console.log(
        `gateway (${label}) / bare proxy: ${(g.requestsPerSecond / bare.requestsPerSecond).toFixed(2)}  (aim >= 0.50)`,
      );
  }
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
  // Services log at warn; the gateway keeps its per-request info log on, as in production.
  // In production the gateway refuses to publish /metrics on its public port without a token.
  const gatewayEnv = {
    LOG_LEVEL: 'info',
    RATE_LIMIT_MAX: '100000000',
    METRICS_TOKEN: randomBytes(16).toString('hex'),
  };
  const stack = await startStack({
    mongoUri: database.uri,
    jwtSecret,
    dbPrefix: `bench-${randomBytes(3).toString('hex')}-`,
    ports,
    discardOutput: true,
    // BENCH_PROFILE=dir writes the gateway's CPU profile there (open it in Chrome DevTools).
    nodeArgs:
      process.env.BENCH_PROFILE === undefined
        ? {}
        : { 'api-gateway': ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] },
    env: { NODE_ENV: 'production', LOG_LEVEL: 'warn' },
    serviceEnv: {
      'api-gateway': gatewayEnv,
      'user-service': { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password },
    },
  });
  const helpers: ChildProcess[] = [];
  const extraServices: RunningService[] = [];
  const nginxDirs: string[] = [];
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

    // The same product from a stub that answers at Node's top speed, behind a second gateway process,
    // so the proxies rather than product-service and its database are what is measured.
    const stubPort = await freePort();
    helpers.push(spawn(process.execPath, ['-e', STUB_UPSTREAM, String(stubPort), productJson], { stdio: 'ignore' }));
    await waitForPort(stubPort, 5000);
    const startStubGateway = async (workers: string): Promise<string> => {
      const gatewayPort = await freePort();
      const env = {
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(gatewayPort),
        JWT_SECRET: jwtSecret,
        USER_SERVICE_URL: stack.url('user-service'),
        ORDER_SERVICE_URL: stack.url('order-service'),
        PRODUCT_SERVICE_URL: `http://127.0.0.1:${stubPort}`,
        GATEWAY_WORKERS: workers,
        ...gatewayEnv,
      };
      extraServices.push(startService('api-gateway', env, undefined, true));
      await waitForPort(gatewayPort, 10_000);
      return `http://127.0.0.1:${gatewayPort}`;
    };
    const stubGateway = await startStubGateway('1');
    const clusteredGateway = await startStubGateway('auto');

    const phases: Targets[] = [
      {
        title: 'Against product-service (mongoose on the embedded database)',
        upstream: stack.url('product-service'),
        gateway,
      },
      {
        title: 'Against a stub upstream (proxy overhead alone)',
        upstream: `http://127.0.0.1:${stubPort}`,
        gateway: stubGateway,
        clusteredGateway,
      },
    ];
    for (const phase of phases) {
      const bareProxyPort = await freePort();
      helpers.push(
        spawn(process.execPath, ['-e', BARE_PROXY, String(bareProxyPort), phase.upstream], { stdio: 'ignore' }),
      );
      await waitForPort(bareProxyPort, 5000);
      // The upstream (and its database's JIT, on mongo-java-server) warms up once before any target.
      await autocannon({ url: `${phase.upstream}${productPath}`, connections: CONNECTIONS, duration: 5 });

      const results: Result[] = [];
      results.push(await measure('(a) upstream direct', `${phase.upstream}${productPath}`));
      results.push(await measure('(b) gateway, public route', `${phase.gateway}/api${productPath}`));
      results.push(
        await measure('(b) gateway, with JWT check', `${phase.gateway}/api${productPath}`, {
          authorization: `Bearer ${token}`,
        }),
      );
      if (phase.clusteredGateway !== undefined) {
        results.push(
          await measure(
            `(b) gateway x${availableParallelism()}, public`,
            `${phase.clusteredGateway}/api${productPath}`,
          ),
        );
        results.push(
          await measure(`(b) gateway x${availableParallelism()}, JWT`, `${phase.clusteredGateway}/api${productPath}`, {
            authorization: `Bearer ${token}`,
          }),
        );
      }
      if (hasCommand('nginx')) {
        const dir = await mkdtemp(path.join(tmpdir(), 'bench-nginx-'));
        nginxDirs.push(dir);
        const nginxPort = await freePort();
        await writeFile(
          path.join(dir, 'nginx.conf'),
          nginxConfig(dir, nginxPort, Number(new URL(phase.upstream).port)),
        );
        helpers.push(
          spawn('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir, '-g', 'daemon off;'], { stdio: 'ignore' }),
        );
        await waitForPort(nginxPort, 5000);
        results.push(await measure('(c) nginx reverse proxy', `http://127.0.0.1:${nginxPort}${productPath}`));
      } else {
        console.log('nginx not found: (c) skipped (install Debian package nginx-light or nginx)');
      }
      results.push(await measure('(d) bare node:http proxy', `http://127.0.0.1:${bareProxyPort}${productPath}`));
      printTable(phase.title, results);
    }
  } finally {
    await Promise.all([...helpers.map(stop), ...extraServices.map((service) => stopService(service))]);
    await Promise.all(nginxDirs.map((dir) => rm(dir, { recursive: true, force: true })));
    await stack.stop();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

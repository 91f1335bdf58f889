import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { resolveDatabase } from './database/resolve-database';
import { freePort, hasCommand, waitForPort } from './database/process-utils';
import { startStack } from './stack';

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

async function main(): Promise<void> {
  const database = await resolveDatabase();
  const admin = { email: 'bench-admin@shop.local', password: randomBytes(12).toString('hex') };
  const ports = { 'user-service': await freePort(), 'product-service': await freePort(), 'order-service': await freePort(), 'api-gateway': await freePort() };
  const stack = await startStack({
    mongoUri: database.uri,
    jwtSecret: randomBytes(32).toString('hex'),
    dbPrefix: `bench-${randomBytes(3).toString('hex')}-`,
    ports,
    discardOutput: true,
    // Services log at warn; the gateway keeps its per-request info log on, as in production.
    env: { NODE_ENV: 'production', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '100000000', RATE_LIMIT_WINDOW_MS: '60000' },
    serviceEnv: { 'api-gateway': { LOG_LEVEL: 'info' }, 'user-service': { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password } },
  });
  const helpers: ChildProcess[] = [];
  let nginxDir: string | undefined;
  try {
    const gateway = stack.url('api-gateway');
    const login = await fetch(`${gateway}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) });
    const { token } = (await login.json()) as { token: string };
    const created = await fetch(`${gateway}/api/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: 'Benchmark lamp', description: 'x', price: 19.99, category: 'bench', stock: 5 }),
    });
    const { id } = (await created.json()) as { id: string };
    const productPath = `/products/${id}`;

    const bareProxyPort = await freePort();
    const bare = spawn(process.execPath, ['-e', BARE_PROXY, String(bareProxyPort), stack.url('product-service')], { stdio: 'ignore' });
    helpers.push(bare);
    await waitForPort(bareProxyPort, 5000);

    // The product-service (and its database's JIT, on mongo-java-server) warm up once before any target.
    await autocannon({ url: `${stack.url('product-service')}${productPath}`, connections: CONNECTIONS, duration: 5 });
    const results: Result[] = [];
    results.push(await measure('(a) product-service direct', `${stack.url('product-service')}${productPath}`));
    results.push(await measure('(b) gateway, public route', `${gateway}/api${productPath}`));
    results.push(await measure('(b) gateway, with JWT check', `${gateway}/api${productPath}`, { authorization: `Bearer ${token}` }));

    if (hasCommand('nginx')) {
      nginxDir = await mkdtemp(path.join(tmpdir(), 'bench-nginx-'));
      const nginxPort = await freePort();
      await writeFile(path.join(nginxDir, 'nginx.conf'), nginxConfig(nginxDir, nginxPort, ports['product-service']));
      const nginx = spawn('nginx', ['-c', path.join(nginxDir, 'nginx.conf'), '-p', nginxDir, '-g', 'daemon off;'], { stdio: 'ignore' });
      helpers.push(nginx);
      await waitForPort(nginxPort, 5000);
      results.push(await measure('(c) nginx reverse proxy', `http://127.0.0.1:${nginxPort}${productPath}`));
    } else {
      console.log('nginx not found: (c) skipped (install Debian package nginx-light or nginx)');
    }
    results.push(await measure('(d) bare node:http proxy', `http://127.0.0.1:${bareProxyPort}${productPath}`));

    console.log(`\nGET one product, ${CONNECTIONS} connections, ${DURATION_SECONDS} s each (after a 2 s warm-up)\n`);
    console.log(`${'target'.padEnd(32)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}  errors  non-2xx`);
    for (const r of results) {
      console.log(`${r.name.padEnd(32)} ${r.requestsPerSecond.toFixed(0).padStart(9)} ${String(r.p50).padStart(7)} ${String(r.p99).padStart(7)}  ${String(r.errors).padStart(6)}  ${String(r.non2xx).padStart(7)}`);
    }
    const byName = (prefix: string) => results.find((r) => r.name.startsWith(prefix));
    const gatewayPublic = byName('(b) gateway, public');
    const gatewayJwt = byName('(b) gateway, with JWT');
    const nginx = byName('(c)');
    const bareResult = byName('(d)');
    console.log('');
    for (const [label, g] of [['public', gatewayPublic], ['JWT', gatewayJwt]] as const) {
      if (g === undefined) continue;
      if (nginx !== undefined) console.log(`gateway (${label}) / nginx:      ${(g.requestsPerSecond / nginx.requestsPerSecond).toFixed(2)}  (aim >= 0.25)`);
      if (bareResult !== undefined) console.log(`gateway (${label}) / bare proxy: ${(g.requestsPerSecond / bareResult.requestsPerSecond).toFixed(2)}  (aim >= 0.50)`);
    }
  } finally {
    await Promise.all(helpers.map(stop));
    if (nginxDir !== undefined) await rm(nginxDir, { recursive: true, force: true });
    await stack.stop();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './database/process-utils';
import { requestsServed } from './metrics-text';

/**
 * `npm run compose:smoke`: docker compose up, for real, from nothing. Starts a Docker engine if
 * none runs (deploy/offline/engine.sh), makes the base images locally when the official ones
 * cannot be pulled and then swaps the third-party images for local stand-ins
 * (deploy/compose.offline.yml), builds, waits until every container is healthy, then goes
 * through the published gateway as a client would: a shopper's journey, three product-service
 * instances sharing traffic, one of them killed during a stream of reads, every process up in
 * Prometheus and the alert rules loaded. Cleans up (down -v, the engine it started) whatever
 * happened, and prints a report.
 */
const ROOT = path.resolve(__dirname, '../..');
const PROJECT = `shop-smoke-${randomBytes(3).toString('hex')}`;
const SCALE = 3;
/** Bound on each request the smoke test sends, so a hung stack fails the run instead of holding it. */
const REQUEST_TIMEOUT_MS = 15_000;
const report: [string, string][] = [];
const note = (what: string, value: string) => {
  report.push([what, value]);
  console.log(`[smoke] ${what}: ${value}`);
};

/** Runs a command; its output goes to ours unless `capture`, in which case it is returned. */
function sh(command: string, args: string[], options: { capture?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', options.capture === true ? 'pipe' : 'inherit', options.capture === true ? 'pipe' : 'inherit'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(output)
        : reject(
            new Error(
              `${command} ${args.join(' ')} exited with ${code}${output === '' ? '' : `:\n${output.slice(-3000)}`}`,
            ),
          ),
    );
  });
}

const succeeds = (command: string, args: string[], timeoutMs = 30_000) =>
  spawnSync(command, args, { cwd: ROOT, stdio: 'ignore', timeout: timeoutMs }).status === 0;

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const startedAt = Date.now();
  const result = await work();
  note(what, `${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  return result;
}

async function until(what: string, timeoutMs: number, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

interface Compose {
  run(args: string[], capture?: boolean): Promise<string>;
  containers(service: string): Promise<string[]>;
}

function composeWith(files: string[], envFile: string): Compose {
  // Compose v2 (`docker compose`) where it exists, else Debian's docker-compose 1.29.
  const [command, prefix] = succeeds('docker', ['compose', 'version'])
    ? ['docker', ['compose']]
    : ['docker-compose', []];
  const base = [...prefix, '-p', PROJECT, '--env-file', envFile, ...files.flatMap((file) => ['-f', file])];
  const run = (args: string[], capture = false) => sh(command, [...base, ...args], { capture });
  return {
    run,
    containers: async (service) =>
      (await run(['ps', '-q', service], true))
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => /^[0-9a-f]{12,}$/.test(line)),
  };
}

async function health(container: string): Promise<string> {
  return (
    await sh(
      'docker',
      ['inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}', container],
      { capture: true },
    )
  ).trim();
}

/** Every container of the project healthy (or running, for those without a health check). */
async function allHealthy(compose: Compose, services: string[]): Promise<boolean> {
  for (const service of services) {
    const containers = await compose.containers(service);
    if (containers.length === 0) return false;
    for (const container of containers) {
      const state = await health(container);
      if (state !== 'healthy' && state !== 'running') return false;
    }
  }
  return true;
}

/** GET from inside a container (its ports are not published), with the container's own Node. */
async function fetchInside(container: string, url: string): Promise<string> {
  return sh(
    'docker',
    [
      'exec',
      container,
      'node',
      '-e',
      `fetch(${JSON.stringify(url)}).then((r) => r.text()).then((t) => process.stdout.write(t))`,
    ],
    { capture: true },
  );
}

async function productListsServed(container: string): Promise<number> {
  return requestsServed(await fetchInside(container, 'http://127.0.0.1:3002/metrics'), 'GET', '/products');
}

async function api(base: string, method: string, url: string, body?: unknown, token?: string) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(method === 'POST' && url === '/orders' ? { 'idempotency-key': randomUUID() } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}

function expectStatus(what: string, actual: number, expected: number, body?: unknown): void {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual} ${JSON.stringify(body)}`);
}

/** GETs of the catalogue through the gateway, `concurrency` at a time, until `stop()`. */
/**
 * Catalogue reads with a token: the gateway's micro-cache never answers those, so every read
 * reaches a product-service instance (anonymous ones would mostly be served from the cache).
 */
function catalogueRead(base: string, token: string): Promise<Response> {
  return fetch(`${base}/products?limit=1`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

function streamReads(base: string, token: string, concurrency = 4) {
  const statuses: number[] = [];
  let running = true;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      const res = await catalogueRead(base, token).catch(() => undefined);
      statuses.push(res?.status ?? 0);
      await res?.body?.cancel();
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return statuses;
    },
  };
}

async function main(): Promise<void> {
  const engine = path.join(ROOT, 'deploy', 'offline', 'engine.sh');
  const started = await timed('engine ready', () => sh('bash', [engine, 'start'], { capture: true }));
  const startedEngine = started.includes('started=yes');
  const work = await mkdtemp(path.join(tmpdir(), 'shop-smoke-'));
  let compose: Compose | undefined;
  try {
    // Official images where a registry can be reached; otherwise local stand-ins for all of them.
    const offline = !succeeds('docker', ['pull', '-q', 'node:26-bookworm-slim']);
    note('images', offline ? 'offline: local base images and stand-ins (deploy/compose.offline.yml)' : 'official');
    if (offline)
      await timed('local base images', () => sh('bash', [path.join(ROOT, 'deploy', 'offline', 'base-images.sh')]));

    const gatewayPort = await freePort();
    const prometheusPort = await freePort();
    const admin = { email: 'admin@smoke.test', password: randomBytes(12).toString('base64url') };
    const envFile = path.join(work, 'smoke.env');
    await writeFile(
      envFile,
      [
        `JWT_SECRET=${randomBytes(32).toString('hex')}`,
        `REGISTRY_TOKEN=${randomBytes(32).toString('hex')}`,
        `ADMIN_EMAIL=${admin.email}`,
        `ADMIN_PASSWORD=${admin.password}`,
        `GATEWAY_PORT=${gatewayPort}`,
        `PROMETHEUS_PORT=${prometheusPort}`,
        // The smoke test sends a few thousand reads from one address.
        'RATE_LIMIT_MAX=100000',
      ].join('\n'),
      { mode: 0o600 },
    );
    compose = composeWith(['docker-compose.yml', ...(offline ? ['deploy/compose.offline.yml'] : [])], envFile);
    await compose.run(['config', '-q']);
    note('compose config', 'valid');

    await timed('build', () => compose!.run(['build']));
    const services = [
      'user-db',
      'product-db',
      'order-db',
      'redis',
      'service-registry',
      'user-service',
      'product-service',
      'order-service',
      'api-gateway',
      'prometheus',
    ];
    await timed('up until every container is healthy', async () => {
      await compose!.run(['up', '-d']);
      await until('every container healthy', 300_000, () => allHealthy(compose!, services));
    });

    // A shopper's journey through the published gateway.
    const base = `http://127.0.0.1:${gatewayPort}/api`;
    const adminLogin = await api(base, 'POST', '/auth/login', admin);
    expectStatus('admin login', adminLogin.status, 200, adminLogin.body);
    const adminToken = String(adminLogin.body?.token);
    const product = await api(
      base,
      'POST',
      '/products',
      { name: 'Smoke kettle', price: 19.99, category: 'smoke', stock: 10 },
      adminToken,
    );
    expectStatus('admin creates a product', product.status, 201, product.body);
    const productId = String(product.body?.id);
    const email = `shopper-${randomUUID()}@smoke.test`;
    const registered = await api(base, 'POST', '/auth/register', {
      name: 'Shopper',
      email,
      password: 'correct horse battery',
    });
    expectStatus('register', registered.status, 201, registered.body);
    const login = await api(base, 'POST', '/auth/login', { email, password: 'correct horse battery' });
    expectStatus('log in', login.status, 200, login.body);
    const token = String(login.body?.token);
    const order = await api(base, 'POST', '/orders', { items: [{ productId, quantity: 3 }] }, token);
    expectStatus('place an order', order.status, 201, order.body);
    const after = await api(base, 'GET', `/products/${productId}`);
    if (after.body?.stock !== 7)
      throw new Error(`stock after the order: expected 7, got ${JSON.stringify(after.body)}`);
    const listed = await api(base, 'GET', '/orders', undefined, token);
    const items = (listed.body?.items ?? []) as { id: string }[];
    if (!items.some((item) => item.id === order.body?.id)) throw new Error('the order is not listed');
    note('journey', 'register, log in, admin creates a product, order placed, stock 10 → 7, order listed');

    // The order's events travel order-service → Redis → product-service's consumer.
    await timed('the order event reaches product-service (soldCount 3)', () =>
      until(
        'soldCount 3',
        30_000,
        async () => (await api(base, 'GET', `/products/${productId}`)).body?.soldCount === 3,
      ),
    );

    // Three product-service instances: all register, all get traffic.
    await timed(`scale product-service to ${SCALE}`, async () => {
      await compose!.run(['up', '-d', '--no-recreate', '--scale', `product-service=${SCALE}`]);
      await until('the new instances healthy', 120_000, () => allHealthy(compose!, ['product-service']));
      const registry = (await compose!.containers('service-registry'))[0]!;
      await until('every instance ready in the registry', 60_000, async () => {
        const view = JSON.parse(await fetchInside(registry, 'http://127.0.0.1:3010/services/product-service')) as {
          instances: { status: string }[];
        };
        return view.instances.filter((instance) => instance.status === 'ready').length === SCALE;
      });
    });
    // The gateway refreshes its list every 2 s.
    await sleep(3000);
    const instances = await compose.containers('product-service');
    const before = await Promise.all(instances.map(productListsServed));
    const reads = 300;
    for (let i = 0; i < reads; i++) {
      const res = await catalogueRead(base, token);
      expectStatus('a catalogue read', res.status, 200);
      await res.body?.cancel();
    }
    const shares = (await Promise.all(instances.map(productListsServed))).map((count, i) => count - before[i]!);
    note('reads across the instances', `${reads} reads: ${shares.join(' + ')}`);
    if (shares.some((share) => share === 0)) throw new Error('an instance got no traffic');

    // One instance killed during a stream of reads.
    const stream = streamReads(base, token);
    await sleep(2000);
    await sh('docker', ['kill', instances[0]!], { capture: true });
    await sleep(4000);
    const statuses = await stream.stop();
    const failed = statuses.filter((status) => status !== 200).length;
    note('docker kill of one instance during reads', `${statuses.length} reads, ${failed} failed`);
    if (failed > 0) throw new Error(`${failed} reads failed during the kill`);

    // Every process scraped by Prometheus: one target per running container of the five.
    const scraped = ['api-gateway', 'service-registry', 'user-service', 'product-service', 'order-service'];
    // Running ones only: the killed instance may or may not have been restarted by its policy.
    const containers = (await Promise.all(scraped.map((service) => compose!.containers(service)))).flat();
    const running = await Promise.all(
      containers.map(
        async (container) =>
          (await sh('docker', ['inspect', '-f', '{{.State.Running}}', container], { capture: true })).trim() === 'true',
      ),
    );
    const expected = running.filter(Boolean).length;
    await timed('every Prometheus target up', () =>
      until(`${expected} Prometheus targets up`, 90_000, async () => {
        const res = await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/targets?state=active`, {
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const body = (await res.json()) as { data: { activeTargets: { labels: { job: string }; health: string }[] } };
        const targets = body.data.activeTargets;
        const up = targets.filter((target) => target.health === 'up');
        if (up.length !== expected || targets.length !== expected) return false;
        note(
          'Prometheus targets',
          `${up.length} of ${targets.length} up (${[...new Set(up.map((t) => t.labels.job))].sort().join(', ')})`,
        );
        return true;
      }),
    );

    // The alert rules loaded: rule_files in deploy/prometheus.yml, alerts.yml mounted by compose.
    const alertsInFile = (await readFile(path.join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8')).match(
      /^\s*- alert:/gm,
    )?.length;
    const rules = (await (
      await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/rules`, {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      })
    ).json()) as { data: { groups: { rules: unknown[] }[] } };
    const loaded = rules.data.groups.flatMap((group) => group.rules).length;
    note('Prometheus alert rules', `${loaded} loaded in ${rules.data.groups.length} groups`);
    if (loaded === 0 || loaded !== alertsInFile)
      throw new Error(`Prometheus loaded ${loaded} alert rules, deploy/prometheus/alerts.yml has ${alertsInFile}`);
  } finally {
    if (compose !== undefined) {
      await compose.run(['logs', '--tail', '30'], true).then(
        (logs) => process.env.SMOKE_LOGS === '1' && console.log(logs),
        () => undefined,
      );
      await compose.run(['down', '-v', '--remove-orphans']).catch((error: unknown) => console.error(error));
    }
    await rm(work, { recursive: true, force: true });
    if (startedEngine) await sh('bash', [engine, 'stop']).catch((error: unknown) => console.error(error));
  }
}

main().then(
  () => {
    console.log('\ncompose smoke test passed');
    for (const [what, value] of report) console.log(`  ${what.padEnd(42)} ${value}`);
  },
  (error: unknown) => {
    console.error(`\ncompose smoke test FAILED: ${error instanceof Error ? error.message : String(error)}`);
    for (const [what, value] of report) console.error(`  ${what.padEnd(42)} ${value}`);
    process.exit(1);
  },
);

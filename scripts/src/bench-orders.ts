import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mongoose from 'mongoose';
import { freePort, waitForPort } from './database/process-utils';
import { resolveDatabase, type RunningDatabase } from './database/resolve-database';
import { waitForBalancedStock, type DrillProduct, type InvariantSources } from './drills/invariants';
import {
  orderLatencyMs,
  ordersPerSecond,
  ordersWhileSelling,
  postOrder,
  requestsPerSecond,
  runOrderLoad,
  type LoadResult,
  type OrderLine,
  type SendOrder,
} from './bench/order-load';
import { childrenOf, cpuBetween, hasProcFs, sampleCpu, type CpuProbe } from './bench/process-cpu';
import { hasRedisServer, startRedisServer, type LocalRedis } from './redis-server';
import { SERVICES, startStack, type RunningStack, type ServiceName } from './stack';

/**
 * `npm run bench:orders`: buyers place orders through the gateway for a fixed time against
 * products with limited stock, on the full stack (registry, services, gateway, redis-server, the
 * embedded database); then the invariant (stock now + units in confirmed orders = initial stock,
 * nothing left pending). In the same run, the naive design (read stock, check, decrement in a
 * separate write: bench/naive-order-service.ts) against its own database on the same server, with
 * the same load. Prints throughput, latency, answers, oversold/lost units and the CPU per order of
 * every process (from /proc); exits 1 if our design oversold or lost a unit or left an order pending.
 */

function setting(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`${name} must be a whole number of at least ${min}; got "${raw}"`);
  return value;
}

const SETTINGS = {
  durationSeconds: setting('BENCH_DURATION_SECONDS', 10),
  warmupSeconds: setting('BENCH_WARMUP_SECONDS', 2, 0),
  concurrency: setting('BENCH_CONCURRENCY', 20),
  buyers: setting('BENCH_BUYERS', 20),
  products: setting('BENCH_PRODUCTS', 20),
  stock: setting('BENCH_STOCK', 200),
};
/** Warm-up orders go to products of their own with this much stock, outside the measured ones. */
const WARMUP_STOCK = 1_000_000;
/** How long sagas still running after the load (and the sweeps) get before pending orders count as stuck. */
const SETTLE_TIMEOUT_MS = 15_000;
/** Registrations in flight at once (each costs user-service an argon2 hash). */
const REGISTRATION_CONCURRENCY = 4;
/** Warnings and errors kept per process for the report. */
const KEPT_LOG_LINES = 5;

const DATABASE_COMMANDS = new Set(['java', 'mongod', 'ferretdb']);
const CPU_COLUMNS = [
  'api-gateway',
  'user-service',
  'product-service',
  'order-service',
  'service-registry',
  'database',
  'redis',
  'naive service',
] as const;
type CpuColumn = (typeof CPU_COLUMNS)[number];

interface DesignResult {
  name: string;
  load: LoadResult;
  oversold: number;
  lost: number;
  /** Orders still pending once the sagas had time to finish (ours only). */
  pending?: number;
  /**
   * CPU per process while stock lasted (see `sellingMs`) and over the whole measured phase;
   * undefined without /proc.
   */
  cpu?: { selling: Map<string, number>; whole: Map<string, number> };
  /** The benchmark process itself (load generator) while stock lasted. */
  loadGeneratorCpuMs: number;
  facts: string[];
}

/** What every process said at level warn or above (or outside JSON), kept for the report. */
class NotableLogs {
  private readonly lines = new Map<string, { count: number; first: string[] }>();
  private isClosed = false;

  /** Stops collecting: what processes say while they are being stopped is not news. */
  close(): void {
    this.isClosed = true;
  }

  add(source: string, line: string): void {
    if (this.isClosed) return;
    const level = /"level":(\d+)/.exec(line)?.[1];
    if (level !== undefined && Number(level) < 40) return;
    const entry = this.lines.get(source) ?? { count: 0, first: [] };
    entry.count++;
    if (entry.first.length < KEPT_LOG_LINES) entry.first.push(line.slice(0, 400));
    this.lines.set(source, entry);
  }

  report(): string[] {
    return [...this.lines].flatMap(([source, { count, first }]) => [
      `${source}: ${count} warning/error line(s), first ${first.length}:`,
      ...first.map((line) => `    ${line}`),
    ]);
  }
}

async function callJson<T>(url: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      'content-type': 'application/json',
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Runs `task` for every item, at most `limit` at once. */
async function inPool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await task(items[index] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The database server and redis-server are this process's children; found by their command. */
function backingServiceProbes(): CpuProbe[] {
  return childrenOf(process.pid).flatMap((child): CpuProbe[] => {
    if (DATABASE_COMMANDS.has(child.command)) return [{ label: 'database', pid: child.pid }];
    if (child.command === 'redis-server') return [{ label: 'redis', pid: child.pid }];
    return [];
  });
}

/** Measures one design: an optional warm-up on its own products, then the measured load with CPU samples. */
async function measureDesign(options: {
  name: string;
  send: SendOrder;
  productIds: string[];
  warmupProductIds: string[];
  probes: CpuProbe[];
}): Promise<Pick<DesignResult, 'load' | 'cpu' | 'loadGeneratorCpuMs'>> {
  if (SETTINGS.warmupSeconds > 0) {
    console.error(`[bench] ${options.name}: ${SETTINGS.warmupSeconds} s warm-up`);
    await runOrderLoad({
      concurrency: SETTINGS.concurrency,
      durationMs: SETTINGS.warmupSeconds * 1000,
      productIds: options.warmupProductIds,
      send: options.send,
    });
  }
  console.error(`[bench] ${options.name}: ${SETTINGS.durationSeconds} s measured`);
  const withProc = hasProcFs();
  const before = withProc ? sampleCpu(options.probes) : undefined;
  const ownBefore = process.cpuUsage();
  let atFirstConflict: { cpu?: Map<string, number>; own: NodeJS.CpuUsage } | undefined;
  const load = await runOrderLoad({
    concurrency: SETTINGS.concurrency,
    durationMs: SETTINGS.durationSeconds * 1000,
    productIds: options.productIds,
    send: options.send,
    onFirstConflict: () => {
      atFirstConflict = { cpu: withProc ? sampleCpu(options.probes) : undefined, own: process.cpuUsage(ownBefore) };
    },
  });
  const own = atFirstConflict?.own ?? process.cpuUsage(ownBefore);
  const after = withProc ? sampleCpu(options.probes) : undefined;
  const cpu =
    before === undefined || after === undefined
      ? undefined
      : { selling: cpuBetween(before, atFirstConflict?.cpu ?? after), whole: cpuBetween(before, after) };
  return { load, cpu, loadGeneratorCpuMs: (own.user + own.system) / 1000 };
}

interface OursSetup {
  stack: RunningStack;
  adminToken: string;
  buyerTokens: string[];
  products: DrillProduct[];
  warmupProducts: DrillProduct[];
}

async function setUpOurs(stack: RunningStack, admin: { email: string; password: string }): Promise<OursSetup> {
  const api = `${stack.url('api-gateway')}/api`;
  const { token: adminToken } = await callJson<{ token: string }>(`${api}/auth/login`, {
    method: 'POST',
    body: admin,
  });
  const createProducts = async (label: string, count: number, stock: number): Promise<DrillProduct[]> => {
    const products: DrillProduct[] = [];
    for (let index = 1; index <= count; index++) {
      const { id } = await callJson<{ id: string }>(`${api}/products`, {
        method: 'POST',
        token: adminToken,
        body: { name: `${label} ${index}`, description: 'bench:orders', price: 9.99, category: 'bench', stock },
      });
      products.push({ id, initialStock: stock });
    }
    return products;
  };
  console.error(`[bench] creating ${SETTINGS.products} products x ${SETTINGS.stock} units`);
  const products = await createProducts('Benchmark product', SETTINGS.products, SETTINGS.stock);
  const warmupProducts =
    SETTINGS.warmupSeconds > 0 ? await createProducts('Warm-up product', SETTINGS.products, WARMUP_STOCK) : [];
  console.error(`[bench] registering ${SETTINGS.buyers} buyers`);
  const buyerTokens = await inPool(
    Array.from({ length: SETTINGS.buyers }, (_, index) => index),
    REGISTRATION_CONCURRENCY,
    async (index) =>
      (
        await callJson<{ token: string }>(`${api}/auth/register`, {
          method: 'POST',
          body: {
            name: `Buyer ${index + 1}`,
            email: `buyer-${index + 1}-${randomUUID()}@bench.local`,
            password: randomBytes(12).toString('hex'),
          },
        })
      ).token,
  );
  return { stack, adminToken, buyerTokens, products, warmupProducts };
}

/** Pending orders (sagas still running, or stuck) of every user, read at order-service as an admin. */
async function pendingOrders(sources: InvariantSources): Promise<number> {
  const { total } = await callJson<{ total: number }>(`${sources.orderServiceUrl}/orders?status=pending&limit=1`, {
    token: sources.adminToken,
  });
  return total;
}

async function measureOurs(setup: OursSetup): Promise<DesignResult> {
  const { stack } = setup;
  const url = `${stack.url('api-gateway')}/api/orders`;
  const send: SendOrder = (lines: OrderLine[]) =>
    postOrder(
      url,
      { items: lines },
      {
        authorization: `Bearer ${setup.buyerTokens[Math.floor(Math.random() * setup.buyerTokens.length)]}`,
        'idempotency-key': randomUUID(),
      },
    );
  const probes: CpuProbe[] = [
    ...SERVICES.flatMap((name: ServiceName) =>
      stack.instances[name].flatMap((instance) =>
        instance.child.pid === undefined ? [] : [{ label: name, pid: instance.child.pid }],
      ),
    ),
    ...backingServiceProbes(),
  ];
  const measured = await measureDesign({
    name: 'ours',
    send,
    productIds: setup.products.map((p) => p.id),
    warmupProductIds: setup.warmupProducts.map((p) => p.id),
    probes,
  });

  console.error('[bench] ours: waiting for sagas to finish, then checking the stock');
  const sources: InvariantSources = {
    productServiceUrl: stack.url('product-service'),
    orderServiceUrl: stack.url('order-service'),
    adminToken: setup.adminToken,
  };
  const settleStartedAt = Date.now();
  let pending = await pendingOrders(sources);
  while (pending > 0 && Date.now() - settleStartedAt < SETTLE_TIMEOUT_MS) {
    await sleep(250);
    pending = await pendingOrders(sources);
  }
  const remainingMs = Math.max(0, SETTLE_TIMEOUT_MS - (Date.now() - settleStartedAt));
  const stock = await waitForBalancedStock(sources, setup.products, remainingMs);
  const settledMs = Date.now() - settleStartedAt;
  const facts = [
    `settled ${settledMs} ms after the load: ${pending} order(s) pending, ${stock.oversold} unit(s) oversold, ${stock.leaked} lost`,
    `201 answers ${measured.load.created}, confirmed orders on the measured products ${stock.confirmedOrders}` +
      (measured.load.created === stock.confirmedOrders ? '' : ' (differ: an order confirmed without its answer?)'),
    `units sold ${stock.products.reduce((sum, p) => sum + p.confirmedUnits, 0)} of ${SETTINGS.products * SETTINGS.stock}; ` +
      `products sold out ${stock.products.filter((p) => p.stock === 0).length} of ${SETTINGS.products}`,
  ];
  if (pending > 0) facts.push(`FAIL: ${pending} order(s) still pending ${SETTLE_TIMEOUT_MS} ms after the load`);
  return {
    name: 'ours: gateway + order saga',
    ...measured,
    oversold: stock.oversold,
    lost: stock.leaked,
    pending,
    facts,
  };
}

interface NaiveProductDoc {
  _id: mongoose.Types.ObjectId;
  stock: number;
}

interface NaiveOrderDoc {
  items: { productId: mongoose.Types.ObjectId; quantity: number }[];
}

async function measureNaive(database: RunningDatabase, dbName: string): Promise<DesignResult> {
  const connection = await mongoose.createConnection(database.uri, { dbName }).asPromise();
  let child: ChildProcess | undefined;
  try {
    const db = connection.db;
    if (db === undefined) throw new Error('no database handle after connecting');
    const products = db.collection<NaiveProductDoc>('products');
    const orders = db.collection<NaiveOrderDoc>('orders');
    const make = (count: number, stock: number) =>
      Array.from({ length: count }, () => ({ _id: new mongoose.Types.ObjectId(), stock }));
    const measuredProducts = make(SETTINGS.products, SETTINGS.stock);
    const warmupProducts = SETTINGS.warmupSeconds > 0 ? make(SETTINGS.products, WARMUP_STOCK) : [];
    await products.insertMany([...measuredProducts, ...warmupProducts]);

    const port = await freePort();
    const profile = process.env.BENCH_PROFILE;
    child = spawn(
      process.execPath,
      [
        ...(profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`]),
        path.join(__dirname, 'bench', 'naive-order-service.js'),
        String(port),
        database.uri,
        dbName,
      ],
      // stdin is its lifeline: it exits when this process goes away. It writes only if it fails.
      { stdio: ['pipe', 'ignore', 'inherit'] },
    );
    await waitForPort(port, 10_000);
    const url = `http://127.0.0.1:${port}/orders`;
    const probes: CpuProbe[] = [
      ...(child.pid === undefined ? [] : [{ label: 'naive service', pid: child.pid }]),
      ...backingServiceProbes().filter((probe) => probe.label === 'database'),
    ];
    const measured = await measureDesign({
      name: 'naive',
      send: (lines) => postOrder(url, { items: lines }, {}),
      productIds: measuredProducts.map((p) => p._id.toHexString()),
      warmupProductIds: warmupProducts.map((p) => p._id.toHexString()),
      probes,
    });

    // Every write is done once the last answer came: the service writes before it answers.
    const sold = new Map<string, number>();
    for (const order of await orders.find({}).toArray()) {
      for (const line of order.items) {
        const id = line.productId.toHexString();
        sold.set(id, (sold.get(id) ?? 0) + line.quantity);
      }
    }
    let oversold = 0;
    let lost = 0;
    let belowZero = 0;
    for (const product of await products.find({ _id: { $in: measuredProducts.map((p) => p._id) } }).toArray()) {
      const units = sold.get(product._id.toHexString()) ?? 0;
      // Units sold beyond what existed: negative stock, or (were writes lost) stock that came back.
      const remaining = Math.max(0, product.stock);
      oversold += Math.max(0, units + remaining - SETTINGS.stock);
      lost += Math.max(0, SETTINGS.stock - units - remaining);
      if (product.stock < 0) belowZero++;
    }
    const unitsSold = measuredProducts.reduce((sum, p) => sum + (sold.get(p._id.toHexString()) ?? 0), 0);
    return {
      name: 'naive: read, check, then write',
      ...measured,
      oversold,
      lost,
      facts: [
        `units sold ${unitsSold} of ${SETTINGS.products * SETTINGS.stock}; products with stock below zero ${belowZero} of ${SETTINGS.products}`,
      ],
    };
  } finally {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child?.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
    await connection.close();
  }
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);

const totalOf = (cpu: Map<string, number>): number => [...cpu.values()].reduce((sum, ms) => sum + ms, 0);

function printResults(results: DesignResult[]): void {
  console.log(
    `\nbench:orders: ${SETTINGS.concurrency} concurrent requests (from ${SETTINGS.buyers} buyers), ` +
      `${SETTINGS.durationSeconds} s per design after a ${SETTINGS.warmupSeconds} s warm-up, ` +
      `${SETTINGS.products} products x ${SETTINGS.stock} units, 1-3 lines of 1-3 units per order\n`,
  );
  const header = [
    'design'.padEnd(32),
    'orders/s'.padStart(8),
    'req/s'.padStart(7),
    'p50 ms'.padStart(7),
    'p99 ms'.padStart(7),
    '201'.padStart(6),
    '409'.padStart(6),
    '4xx'.padStart(5),
    '5xx'.padStart(5),
    'no answer'.padStart(9),
    'oversold'.padStart(8),
    'lost'.padStart(5),
    'pending'.padStart(7),
  ];
  console.log(header.join(' '));
  for (const { name, load, oversold, lost, pending } of results) {
    console.log(
      [
        name.padEnd(32),
        fixed(ordersPerSecond(load)).padStart(8),
        fixed(requestsPerSecond(load)).padStart(7),
        fixed(orderLatencyMs(load, 50), 0).padStart(7),
        fixed(orderLatencyMs(load, 99), 0).padStart(7),
        String(load.created).padStart(6),
        String(load.conflicts).padStart(6),
        String(load.otherClientErrors).padStart(5),
        String(load.serverErrors).padStart(5),
        String(load.networkErrors).padStart(9),
        String(oversold).padStart(8),
        String(lost).padStart(5),
        (pending === undefined ? '—' : String(pending)).padStart(7),
      ].join(' '),
    );
  }
  console.log(
    '\norders/s: orders placed per second while stock lasted (until the first 409, else the whole phase);\n' +
      'req/s: all answers per second over the phase; p50/p99: latency of placed orders (201s); oversold and\n' +
      'lost: units, from stock + units in orders = initial stock; pending: orders still pending after the sagas settled.',
  );

  console.log(
    '\nCPU ms per placed order while stock lasted, per process (/proc/<pid>/stat utime+stime), then the total\n' +
      'per answer over the whole phase; the load generator (this process) is not in the totals:\n',
  );
  const short: Record<CpuColumn, string> = {
    'api-gateway': 'gateway',
    'user-service': 'user',
    'product-service': 'product',
    'order-service': 'order',
    'service-registry': 'registry',
    database: 'database',
    redis: 'redis',
    'naive service': 'naive',
  };
  console.log(
    [
      'design'.padEnd(32),
      ...CPU_COLUMNS.map((column) => short[column].padStart(8)),
      'total'.padStart(7),
      'per answer'.padStart(10),
      ' load generator',
    ].join(' '),
  );
  for (const { name, load, cpu, loadGeneratorCpuMs } of results) {
    const orders = ordersWhileSelling(load);
    const perOrder = (ms: number) => (orders === 0 ? '—' : fixed(ms / orders, 2));
    const cells = CPU_COLUMNS.map((column) => {
      const ms = cpu?.selling.get(column);
      return (ms === undefined ? '—' : perOrder(ms)).padStart(8);
    });
    const answers = load.samples.length;
    console.log(
      [
        name.padEnd(32),
        ...cells,
        (cpu === undefined ? '—' : perOrder(totalOf(cpu.selling))).padStart(7),
        (cpu === undefined || answers === 0 ? '—' : fixed(totalOf(cpu.whole) / answers, 2)).padStart(10),
        ` ${perOrder(loadGeneratorCpuMs)}`,
      ].join(' '),
    );
  }
  if (!hasProcFs()) console.log('(no /proc here: CPU per process not measured)');

  for (const { name, load, facts } of results) {
    console.log(`\n${name}:`);
    const lasted =
      load.firstConflictMs === undefined
        ? `no product ran short in ${fixed(load.elapsedMs / 1000)} s`
        : `the first product ran short after ${fixed(load.firstConflictMs / 1000)} s of ${fixed(load.elapsedMs / 1000)} s`;
    console.log(`  ${lasted}; ${ordersWhileSelling(load)} orders placed until then`);
    for (const fact of facts) console.log(`  ${fact}`);
    const answers = [...load.answers].sort((a, b) => b[1] - a[1]).map(([key, count]) => `${key}: ${count}`);
    console.log(`  answers: ${answers.join(', ')}`);
  }
}

/** One line to compare runs by: both designs' throughput, latency, CPU per order, and the units oversold and lost. */
function summaryLine(ours: DesignResult, naive: DesignResult): string {
  const cpuPerOrder = (result: DesignResult) => {
    const orders = ordersWhileSelling(result.load);
    return result.cpu === undefined || orders === 0 ? 'n/a' : `${fixed(totalOf(result.cpu.selling) / orders)}ms/order`;
  };
  const design = (label: string, result: DesignResult) =>
    `${label}=${fixed(ordersPerSecond(result.load))} orders/s p50=${fixed(orderLatencyMs(result.load, 50), 0)}ms ` +
    `p99=${fixed(orderLatencyMs(result.load, 99), 0)}ms cpu=${cpuPerOrder(result)}`;
  return [
    `bench:orders ${new Date().toISOString().slice(0, 10)}`,
    design('ours', ours),
    design('naive', naive),
    `ours/naive=${fixed(ordersPerSecond(ours.load) / ordersPerSecond(naive.load), 2)}`,
    `oversold=${ours.oversold}/${naive.oversold} lost=${ours.lost}/${naive.lost}`,
  ].join(' ');
}

async function main(): Promise<number> {
  let database: RunningDatabase | undefined;
  let redis: LocalRedis | undefined;
  let stack: RunningStack | undefined;
  const stopStack = async () => {
    const [running, runningRedis] = [stack, redis];
    [stack, redis] = [undefined, undefined];
    await running?.stop();
    await runningRedis?.stop({ graceful: true });
  };
  const cleanUp = async () => {
    await stopStack().catch((error: unknown) => console.error('[bench] stopping the stack failed:', error));
    const running = database;
    database = undefined;
    await running?.stop();
  };
  // Last resort, whatever path leads to exit: no process of ours outlives the benchmark.
  process.once('exit', () => {
    if (!hasProcFs()) return;
    for (const child of childrenOf(process.pid)) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  const onSignal = (signal: string) => {
    console.error(`\n[bench] ${signal}: stopping everything`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));

  try {
    database = await resolveDatabase();
    if (hasRedisServer()) redis = await startRedisServer();
    else
      console.error('[bench] redis-server not installed: the stack runs without Redis (apt-get install redis-server)');
    const logs = new NotableLogs();
    const admin = { email: 'bench-admin@shop.local', password: randomBytes(12).toString('hex') };
    const dbPrefix = `bench-orders-${randomBytes(3).toString('hex')}-`;
    const profile = process.env.BENCH_PROFILE;
    console.error('[bench] starting the stack');
    stack = await startStack({
      mongoUri: database.uri,
      jwtSecret: randomBytes(32).toString('hex'),
      dbPrefix,
      // BENCH_PROFILE=dir: every Node process writes its CPU profile there on exit (Chrome DevTools opens them).
      nodeArgs:
        profile === undefined
          ? {}
          : Object.fromEntries(SERVICES.map((name) => [name, ['--cpu-prof', `--cpu-prof-dir=${profile}`]])),
      env: {
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        SHUTDOWN_DRAIN_DELAY_MS: '0',
        ...(redis === undefined ? {} : { REDIS_URL: redis.url }),
      },
      serviceEnv: {
        // One log line per request from the gateway, written to a pipe, as in production; the limits
        // raised so that many orders a minute from one address and per buyer are measured, not refused.
        'api-gateway': {
          LOG_LEVEL: 'info',
          METRICS_TOKEN: randomBytes(16).toString('hex'),
          RATE_LIMIT_MAX: '100000000',
          PASSWORD_RATE_LIMIT_MAX: '100000000',
          ORDER_RATE_LIMIT_MAX: '100000000',
        },
        'user-service': { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password },
      },
      onLine: (service, line) => logs.add(service, line),
    });

    const ours = await measureOurs(await setUpOurs(stack, admin));
    // Our stack stops before the naive phase, so its idle work (sweeps, heartbeats) takes nothing from it.
    logs.close();
    await stopStack();
    const naive = await measureNaive(database, `${dbPrefix}naive`);

    printResults([ours, naive]);
    const notable = logs.report();
    if (notable.length > 0) console.log(`\nWarnings and errors in the logs:\n${notable.join('\n')}`);
    console.log(`\n${summaryLine(ours, naive)}`);
    if (ours.oversold > 0 || ours.lost > 0 || (ours.pending ?? 0) > 0) {
      console.log(
        `\nFAIL: our design oversold ${ours.oversold} and lost ${ours.lost} unit(s); ${ours.pending ?? 0} order(s) left pending`,
      );
      return 1;
    }
    return 0;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

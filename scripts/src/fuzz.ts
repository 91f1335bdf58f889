import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hasCommand, run } from './database/process-utils';
import { resolveDatabase, type RunningDatabase } from './database/resolve-database';
import { hasRedisServer, startRedisServer, type LocalRedis } from './redis-server';
import { seedCatalogue } from './seed';
import { startStack, type RunningStack } from './stack';

/**
 * `npm run fuzz`: schemathesis against the locally started stack, through the gateway, with the
 * OpenAPI document the gateway serves. Every operation, the coverage, fuzzing and stateful phases
 * (the last follows the document's links), all of schemathesis' checks; once with an admin's
 * token and once with a shopper's. Exits non-zero on any failure; the stack is stopped whatever
 * happens.
 */
const ROOT = path.resolve(__dirname, '../..');
const FUZZ_DIR = path.join(ROOT, 'scripts', 'fuzz');
const REQUIREMENTS = path.join(FUZZ_DIR, 'requirements.txt');
const CONFIG = path.join(FUZZ_DIR, 'schemathesis.toml');
const VENV = path.join(ROOT, '.cache', 'schemathesis-venv');
const REPORTS = path.join(ROOT, 'test-results', 'schemathesis');

/** Test cases per operation and phase (the coverage phase makes its own on top): about 1 minute a pass here. */
const MAX_EXAMPLES = positiveInteger('FUZZ_MAX_EXAMPLES', 60);
/** Fixed, so a failure found in CI is found again locally with the same command. */
const SEED = positiveInteger('FUZZ_SEED', 13);

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

interface Pass {
  name: string;
  /** Called right before the pass: an earlier pass must not change this caller's account. */
  token: () => Promise<string>;
  /** Warnings that say nothing for this caller. */
  quietWarnings?: readonly string[];
}

interface PassResult {
  name: string;
  exitCode: number;
  operations: number;
  cases: number;
  failures: number;
  /** Failures scripts/fuzz/hooks.py dropped as the API's design. */
  dropped: number;
}

/** The venv under .cache, (re)made when requirements.txt changed since it was made. */
async function ensureSchemathesis(): Promise<string> {
  const st = path.join(VENV, 'bin', 'st');
  const marker = path.join(VENV, 'requirements.txt');
  const wanted = readFileSync(REQUIREMENTS, 'utf8');
  if (existsSync(st) && existsSync(marker) && readFileSync(marker, 'utf8') === wanted) return st;
  if (!hasCommand('python3')) throw new Error('python3 is needed for schemathesis (apt-get install python3-venv)');
  console.log(
    `Installing schemathesis into ${path.relative(ROOT, VENV)} (pinned in ${path.relative(ROOT, REQUIREMENTS)})`,
  );
  await rm(VENV, { recursive: true, force: true });
  await run('python3', ['-m', 'venv', VENV]).catch((error: unknown) => {
    throw new Error(`python3 -m venv failed (on Debian: apt-get install python3-venv): ${String(error)}`);
  });
  const pip = path.join(VENV, 'bin', 'pip');
  await run(pip, ['install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS]);
  await run(pip, ['check']);
  await writeFile(marker, wanted);
  return st;
}

async function call<T>(url: string, init: { method?: string; json?: unknown; token?: string } = {}): Promise<T> {
  const method = init.method ?? (init.json === undefined ? 'GET' : 'POST');
  const res = await fetch(url, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
    },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
    signal: AbortSignal.timeout(10_000),
  });
  const body: unknown = res.status === 204 ? undefined : await res.json();
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(body)}`);
  return body as T;
}

/** Units added to each sample product, so that generated orders are not mostly refused for stock. */
const EXTRA_STOCK = 1_000_000;

/**
 * Through the gateway, as a client would: the seeded admin logs in and adds the sample catalogue
 * (with plenty of stock); each shopper registers and places two orders, so the reads find data of
 * the caller's own.
 */
async function prepareData(api: string, admin: { email: string; password: string }): Promise<Pass[]> {
  await seedCatalogue({ user: api, product: api }, admin);
  const { token: adminToken } = await call<{ token: string }>(`${api}/auth/login`, { json: admin });
  const { items: samples } = await call<{ items: { id: string }[] }>(`${api}/products?limit=100`);
  for (const product of samples) {
    await call(`${api}/products/${product.id}/stock`, {
      method: 'PATCH',
      json: { quantity: EXTRA_STOCK },
      token: adminToken,
    });
  }
  const shopper = async (): Promise<string> => {
    const { token } = await call<{ token: string }>(`${api}/auth/register`, {
      json: {
        name: 'Fuzz Shopper',
        email: `fuzz-${randomBytes(4).toString('hex')}@example.com`,
        password: 'fuzz shopper',
      },
    });
    // A product of its own: the admin's pass may have changed the samples' stock and prices.
    const product = await call<{ id: string }>(`${api}/products`, {
      json: { name: 'Fuzz stock', price: 1.5, category: 'fuzz', stock: EXTRA_STOCK },
      token: adminToken,
    });
    for (const quantity of [1, 2]) {
      await call(`${api}/orders`, { json: { items: [{ productId: product.id, quantity }] }, token });
    }
    return token;
  };
  await shopper();
  return [
    { name: 'admin', token: () => Promise.resolve(adminToken) },
    // Made after the admin's pass, which may change any account it finds (promote, disable).
    // Admin-only operations answer this caller only 403: that is what they should do, not a warning.
    { name: 'user', token: shopper, quietWarnings: ['missing_auth'] },
  ];
}

/**
 * The document the gateway serves, saved beside the reports: schemathesis leaves out the
 * operation it loaded the document from, and `GET /api/openapi.json` is one to test.
 */
async function servedDocument(gateway: string): Promise<string> {
  const res = await fetch(`${gateway}/api/openapi.json`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /api/openapi.json answered ${res.status}: the gateway must serve its document`);
  const file = path.join(REPORTS, 'openapi.json');
  await writeFile(file, await res.text());
  return file;
}

/** The parts of schemathesis' JSON report (`--report json`) the summary reads. */
interface JsonReport {
  operations: { tested: number };
  test_cases: { generated: number; unique_failures: number; errored: number };
  errors: unknown[];
  filtered: number;
}

function readSummary(file: string): Pick<PassResult, 'operations' | 'cases' | 'failures' | 'dropped'> {
  let report: JsonReport;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
  } catch {
    // None, or cut short (the run was stopped): the exit code tells.
    return { operations: 0, cases: 0, failures: 0, dropped: 0 };
  }
  return {
    operations: report.operations.tested,
    cases: report.test_cases.generated,
    failures: report.test_cases.unique_failures + report.test_cases.errored + report.errors.length,
    dropped: report.filtered,
  };
}

let current: ChildProcess | undefined;

/** Lines of pino level error (50) or fatal (60) in the services' log: each 500 is one. */
function loggedErrors(file: string): number {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /"level":(50|60)\b/.test(line)).length;
}

/** schemathesis 4.32's warning kinds (`st run --warnings` takes the ones to show). */
const WARNINGS = [
  'missing_auth',
  'missing_test_data',
  'base_url_mismatch',
  'validation_mismatch',
  'missing_deserializer',
  'unused_openapi_auth',
  'unsupported_regex',
  'method_not_allowed',
  'constants_extraction',
  'unmatched_filter',
  'unresolvable_reference',
  'low_valid_rate',
  'rate_limited',
  'dictionary_mismatch',
  'timeout_units',
];

async function runPass(st: string, location: string, baseUrl: string, pass: Pass): Promise<PassResult> {
  const report = path.join(REPORTS, `${pass.name}.json`);
  const args = [
    '--config-file',
    CONFIG,
    'run',
    location,
    '--url',
    baseUrl,
    '--checks',
    'all',
    '--max-examples',
    String(MAX_EXAMPLES),
    '--seed',
    String(SEED),
    '--workers',
    '2',
    '--request-timeout',
    '10',
    '--warnings',
    WARNINGS.filter((name) => !pass.quietWarnings?.includes(name)).join(','),
    '--no-color',
    '--report',
    'junit,json',
    '--report-junit-path',
    path.join(REPORTS, `${pass.name}.junit.xml`),
    '--report-json-path',
    report,
  ];
  const token = await pass.token();
  console.log(`\n== schemathesis with the ${pass.name}'s token: st ${args.join(' ')}\n`);
  const exitCode = await new Promise<number>((resolve, reject) => {
    const child = spawn(st, args, {
      cwd: ROOT,
      // No __pycache__ beside scripts/fuzz/hooks.py.
      env: { ...process.env, SHOP_FUZZ_TOKEN: token, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    current = child;
    child.on('error', reject);
    child.on('close', (code) => {
      current = undefined;
      resolve(code ?? 1);
    });
  });
  return { name: pass.name, exitCode, ...readSummary(report) };
}

async function main(): Promise<void> {
  const st = await ensureSchemathesis();
  await rm(REPORTS, { recursive: true, force: true });
  await mkdir(REPORTS, { recursive: true });
  const logFile = path.join(REPORTS, 'stack.log');
  const log = createWriteStream(logFile);

  // Each is kept as soon as it is starting, so a signal during start-up stops what was started.
  let database: Promise<RunningDatabase> | undefined;
  let redis: Promise<LocalRedis> | undefined;
  let stack: Promise<RunningStack> | undefined;
  // One stop for a signal and for the end of main, each waiting for it to finish.
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      current?.kill('SIGTERM');
      await (await stack?.catch(() => undefined))?.stop();
      await (await redis?.catch(() => undefined))?.stop();
      await (await database?.catch(() => undefined))?.stop();
      log.end();
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      console.error(`\n${signal}: stopping the stack…`);
      void stopAll().then(() => process.exit(130));
    });
  }

  try {
    database = resolveDatabase();
    const { uri } = await database;
    if (hasRedisServer()) redis = startRedisServer();
    else console.warn('No redis-server: the live feed answers 503 and the rate limits count in memory');
    const redisUrl = (await redis)?.url;
    const admin = { email: 'fuzz-admin@shop.local', password: randomBytes(12).toString('base64url') };
    stack = startStack({
      mongoUri: uri,
      jwtSecret: randomBytes(32).toString('hex'),
      // Every request comes from 127.0.0.1: the per-IP, per-account and per-user limits are raised
      // so that schemathesis' volume is not answered 429 (the gateway's own tests check the limits).
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        RATE_LIMIT_MAX: '1000000',
        PASSWORD_RATE_LIMIT_MAX: '1000000',
        LOGIN_RATE_LIMIT_MAX: '1000000',
        ORDER_RATE_LIMIT_MAX: '1000000',
        ...(redisUrl === undefined ? {} : { REDIS_URL: redisUrl }),
      },
      serviceEnv: { 'user-service': { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password } },
      onLine: (service, line) => log.write(`${service} | ${line}\n`),
    });
    const gateway = (await stack).url('api-gateway');
    const passes = await prepareData(`${gateway}/api`, admin);
    const location = await servedDocument(gateway);
    console.log(`Stack at ${gateway}; the document it serves is saved as ${path.relative(ROOT, location)}`);

    const started = Date.now();
    const results: PassResult[] = [];
    for (const pass of passes) {
      if (stopping !== undefined) break;
      results.push(await runPass(st, location, gateway, pass));
    }
    const seconds = Math.round((Date.now() - started) / 1000);

    console.log(
      `\nschemathesis summary (${MAX_EXAMPLES} examples per operation and phase, seed ${SEED}, ${seconds} s):`,
    );
    for (const result of results) {
      console.log(
        `  ${result.name.padEnd(6)} operations ${result.operations}, cases ${result.cases}, failures ${result.failures} (${result.dropped} dropped by scripts/fuzz/hooks.py), exit ${result.exitCode}`,
      );
    }
    const errorsLogged = loggedErrors(logFile);
    console.log(`The services logged ${errorsLogged} errors; reports and their log: ${path.relative(ROOT, REPORTS)}/`);
    const isClean = results.length === passes.length && results.every((result) => result.exitCode === 0);
    process.exitCode = isClean ? 0 : 1;
  } finally {
    await stopAll();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { E2E_ADMIN, http, startTestStack, unique } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES, type RunningStack } from '../src/stack';

/**
 * What an operator reads, checked on real processes: every /metrics is valid Prometheus
 * exposition (promtool), its series do not grow with what clients send, one request's id
 * and trace id appear in the log of every process it crossed, and no secret reaches any log.
 */
let stack: RunningStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { LOG_LEVEL: 'info' } });
});
afterAll(() => stack?.stop());

const hasPromtool = spawnSync('sh', ['-c', 'command -v promtool'], { stdio: 'ignore' }).status === 0;

async function metricsOf(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/**
 * The series of an exposition that requests could add to: its sample lines, without the
 * runtime's own (`nodejs_*`, `process_*`: a GC kind appears the first time it runs).
 */
const seriesCount = (exposition: string) =>
  exposition.split('\n').filter((line) => line !== '' && !line.startsWith('#') && !/^(nodejs|process)_/.test(line))
    .length;

async function allSeriesCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const name of SERVICES) counts[name] = seriesCount(await metricsOf(stack.url(name)));
  return counts;
}

const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'OPTIONS', 'PROPFIND', 'PURGE'];

/** What a careless or hostile client sends: random ids, unknown paths, odd methods, to the gateway and to each service. */
async function noise(rounds: number): Promise<void> {
  const bases = [
    `${stack.url('api-gateway')}/api`,
    ...['user-service', 'product-service', 'order-service', 'service-registry'].map((name) =>
      stack.url(name as 'user-service'),
    ),
  ];
  for (let i = 0; i < rounds; i++) {
    const id = randomBytes(12).toString('hex');
    const paths = [
      `/products/${id}`,
      `/orders/${id}`,
      `/users/${id}`,
      `/${randomUUID()}`,
      `/products/${id}/${randomUUID()}`,
      `/services/${id}`,
    ];
    for (const base of bases) {
      for (const path of paths) {
        const method = METHODS[i % METHODS.length]!;
        const res = await fetch(`${base}${path}`, { method }).catch(() => undefined);
        await res?.body?.cancel();
      }
    }
  }
}

describe('metrics an operator can trust', () => {
  it.skipIf(!hasPromtool && process.env.CI === undefined)(
    'every process’s /metrics passes promtool check metrics',
    async () => {
      expect(hasPromtool, 'promtool is on PATH (.ci/run installs it)').toBe(true);
      for (const name of SERVICES) {
        const checked = spawnSync('promtool', ['check', 'metrics'], {
          input: await metricsOf(stack.url(name)),
          encoding: 'utf8',
        });
        // promtool exits 1 for lint warnings too (such as counters without _total): show them.
        expect(`${checked.stdout}${checked.stderr}`.trim(), name).toBe('');
        expect(checked.status, name).toBe(0);
      }
    },
  );

  it('random ids, unknown paths and odd methods do not add series to any /metrics', async () => {
    await noise(METHODS.length);
    const before = await allSeriesCounts();
    await noise(5 * METHODS.length);
    const after = await allSeriesCounts();
    console.log(
      `series per process, before and after ${5 * METHODS.length * 5 * 6} more odd requests: ${JSON.stringify(before)} → ${JSON.stringify(after)}`,
    );
    expect(after).toEqual(before);
  });
});

describe('logs that follow a request, without secrets', () => {
  it('one order through the gateway leaves its request id and its traceparent’s trace id in the gateway’s, order-, user- and product-service’s logs', async () => {
    const api = `${stack.url('api-gateway')}/api`;
    const admin = (await http(`${api}/auth/login`, { json: E2E_ADMIN })).body.token as string;
    const product = await http(`${api}/products`, {
      token: admin,
      json: { name: unique('Mug'), price: 3, category: unique('cat'), stock: 5 },
    });
    const email = `${unique('logs')}@example.com`;
    const shopper = await http(`${api}/auth/register`, {
      json: { name: 'Logs', email, password: 'correct horse battery' },
    });
    const requestId = `trace-${randomUUID()}`;
    const traceId = randomBytes(16).toString('hex');
    const order = await http(`${api}/orders`, {
      token: shopper.body.token as string,
      headers: {
        'x-request-id': requestId,
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
        'idempotency-key': randomUUID(),
      },
      json: { items: [{ productId: product.body.id as string, quantity: 1 }] },
    });
    expect(order.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 200));

    for (const name of ['api-gateway', 'order-service', 'user-service', 'product-service'] as const) {
      const lines = stack.services[name].output.filter((line) => line.includes(requestId));
      expect(lines.length, `${name} logged the request id`).toBeGreaterThan(0);
      for (const line of lines) expect(JSON.parse(line)).toMatchObject({ requestId, traceId });
    }
  });

  it('a registration and a login leave no password, token, hash or Authorization header in any log', async () => {
    const api = `${stack.url('api-gateway')}/api`;
    const password = `secret-${randomUUID()}`;
    const email = `${unique('quiet')}@example.com`;
    const registered = await http(`${api}/auth/register`, { json: { name: 'Quiet', email, password } });
    const login = await http(`${api}/auth/login`, { json: { email, password } });
    expect(login.status).toBe(200);
    await http(`${api}/users/me`, { token: login.body.token as string });
    await new Promise((resolve) => setTimeout(resolve, 200));

    const secrets = [password, registered.body.token, login.body.token, login.body.refreshToken, '$argon2'].filter(
      (value): value is string => typeof value === 'string',
    );
    for (const name of SERVICES) {
      for (const line of stack.services[name].output) {
        for (const secret of secrets) expect(line.includes(secret), `${name} logged a secret: ${line}`).toBe(false);
        expect(line.toLowerCase().includes('"authorization"'), `${name}: ${line}`).toBe(false);
      }
    }
  });
});

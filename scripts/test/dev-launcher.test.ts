import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canListen, freePort } from '../src/database/process-utils';
import { hasRedisServer } from '../src/redis-server';

const ROOT = path.resolve(__dirname, '../..');
const dataDirs: string[] = [];
afterAll(async () => {
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

interface Launched {
  child: ChildProcess;
  api: string;
  registry: string;
  redisPort: number;
  output: () => string;
}

/** `npm start` as a developer runs it (without the build step, done by `npm test`). */
async function launch(dataDir: string, args: string[] = []): Promise<Launched> {
  const ports = {
    REGISTRY_PORT: await freePort(),
    GATEWAY_PORT: await freePort(),
    USER_SERVICE_PORT: await freePort(),
    PRODUCT_SERVICE_PORT: await freePort(),
    ORDER_SERVICE_PORT: await freePort(),
    REDIS_PORT: await freePort(),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([key, port]) => [key, String(port)])),
    SHOP_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
  delete env.MONGODB_URI; // the launcher's own embedded database, as on a developer's machine
  delete env.JWT_SECRET;
  delete env.REDIS_URL; // so it starts its own redis-server, when one is installed
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'dist', 'dev.js'), ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  for (let i = 0; i < 600 && !output.includes('Press Ctrl-C'); i++) {
    if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    api: `http://127.0.0.1:${ports.GATEWAY_PORT}/api`,
    registry: `http://127.0.0.1:${ports.REGISTRY_PORT}`,
    redisPort: ports.REDIS_PORT,
    output: () => output,
  };
}

async function stop(launched: Launched): Promise<void> {
  const exited = new Promise((resolve) => launched.child.once('exit', resolve));
  launched.child.kill('SIGINT');
  await exited;
}

const post = (url: string, json: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });

describe('npm start keeps its data between runs', () => {
  it('an account made in one run logs in after a restart; after --fresh it is gone', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'shop-data-'));
    dataDirs.push(dataDir);
    const account = { name: 'Ada', email: 'ada@example.com', password: 'correct horse battery' };

    const first = await launch(dataDir);
    try {
      expect(first.output()).toContain(`data kept in ${dataDir}`);
      // It says where Redis is: one it started, or plainly that there is none.
      if (hasRedisServer()) {
        expect(first.output()).toContain(`Redis: redis-server started at redis://127.0.0.1:${first.redisPort}`);
        expect(await canListen(first.redisPort)).toBe(false);
      } else expect(first.output()).toContain('Redis: none: redis-server is not installed');
      expect((await post(`${first.api}/auth/register`, account)).status).toBe(201);
    } finally {
      await stop(first);
    }
    expect(await canListen(first.redisPort)).toBe(true); // its redis-server stopped with it

    // The second run with two product-service instances, both registered and ready.
    const second = await launch(dataDir, ['--scale', 'product-service=2']);
    try {
      const login = await post(`${second.api}/auth/login`, { email: account.email, password: account.password });
      expect(login.status).toBe(200);
      const listed = (await (await fetch(`${second.registry}/services/product-service`)).json()) as {
        instances: { status: string }[];
      };
      expect(listed.instances.map((instance) => instance.status)).toEqual(['ready', 'ready']);
      expect((await fetch(`${second.api}/products`)).status).toBe(200);
    } finally {
      await stop(second);
    }

    const fresh = await launch(dataDir, ['--fresh']);
    try {
      expect((await post(`${fresh.api}/auth/login`, { email: account.email, password: account.password })).status).toBe(
        401,
      );
    } finally {
      await stop(fresh);
    }
  }, 180_000);
});

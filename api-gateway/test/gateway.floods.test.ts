import { readFileSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { stopService, type RunningService } from '@shop/test-support';
import { describe, expect, it } from 'vitest';
import { isHealthy, startGatewayProcess as startGatewayProcessFor, useUpstreams } from './harness';

const FLOOD = 512;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const upstreams = useUpstreams();

const startGatewayProcess = (env: Record<string, string> = {}) =>
  startGatewayProcessFor(upstreams, {
    RATE_LIMIT_MAX: '1000000',
    LOGIN_RATE_LIMIT_MAX: '1000000',
    PASSWORD_RATE_LIMIT_MAX: '1000000',
    ...env,
  });

/** A normal login, timed from a fresh connection and address: the question is whether anyone is still served. */
function timedLogin(port: number, localAddress: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const body = JSON.stringify({ email: 'owner@example.com', password: 'the-right-password' });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        localAddress,
        method: 'POST',
        path: '/api/auth/login',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens a connection that announces a 100-byte body and sends one byte of it, then stalls. */
function slowBody(port: number, localAddress: string): Promise<{ socket: Socket; received: () => string }> {
  return new Promise((resolve) => {
    let data = '';
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => {
      socket.write(
        'POST /api/auth/register HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      );
      resolve({ socket, received: () => data });
    });
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('error', () => undefined); // refused or cut connections are part of the test
  });
}

/** Processes whose parent is `pid` (Linux /proc). */
function childPids(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent pid; the command name before it may hold spaces.
        return readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === String(pid);
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number);
}

function workerDied(gateway: RunningService): boolean {
  return gateway.output.some((line) => line.includes('worker died') || line.includes('uncaught'));
}

describe('no request can take the gateway down', () => {
  it(`${FLOOD} slow-body requests from two addresses: the excess is refused with 503, a normal login from a third is answered within a second, the process stays up`, async () => {
    const gateway = await startGatewayProcess();
    const held = await Promise.all(
      Array.from({ length: FLOOD }, (_, i) => slowBody(gateway.port, i % 2 === 0 ? '127.0.0.1' : '127.0.0.2')),
    );
    try {
      await sleep(500);
      const login = await timedLogin(gateway.port, '127.0.0.3');
      const refused = held.filter((conn) => conn.received().startsWith('HTTP/1.1 503'));
      console.log(
        `slow-body flood: ${FLOOD} held, ${refused.length} refused with 503, normal login ${login.status} in ${Math.round(login.ms)} ms`,
      );

      expect(login.status).toBe(200);
      expect(login.ms).toBeLessThan(1000);
      // 128 per address are admitted (MAX_CONNECTIONS_PER_CLIENT), the rest refused at once.
      expect(refused).toHaveLength(FLOOD - 2 * 128);
      expect(refused[0]?.received()).toMatch(/Retry-After: 1/);
      expect(gateway.child.exitCode).toBeNull();
      expect(workerDied(gateway)).toBe(false);
    } finally {
      for (const conn of held) conn.socket.destroy();
      await stopService(gateway);
    }
  });

  it(`${FLOOD} slow-body requests from one address with the caps off hold no upstream socket: a normal login from that address is answered within a second`, async () => {
    const gateway = await startGatewayProcess({ MAX_CONNECTIONS: '0', MAX_CONNECTIONS_PER_CLIENT: '0' });
    const held = await Promise.all(Array.from({ length: FLOOD }, () => slowBody(gateway.port, '127.0.0.1')));
    try {
      await sleep(500);
      const login = await timedLogin(gateway.port, '127.0.0.1');
      console.log(
        `slow-body flood, caps off: ${FLOOD} held, normal login ${login.status} in ${Math.round(login.ms)} ms`,
      );
      expect(login.status).toBe(200);
      expect(login.ms).toBeLessThan(1000);
      expect(held.every((conn) => conn.received() === '')).toBe(true);
      expect(gateway.child.exitCode).toBeNull();
      expect(workerDied(gateway)).toBe(false);
    } finally {
      for (const conn of held) conn.socket.destroy();
      await stopService(gateway);
    }
  });

  it(`${FLOOD} logins with "Expect: 100-continue": each body reaches user-service, a normal login is answered within a second, the process stays up`, async () => {
    const gateway = await startGatewayProcess({ MAX_CONNECTIONS_PER_CLIENT: '0' });
    const users = upstreams[0]!;
    const before = users.requests.length;
    const expectLogin = (i: number) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ email: `guess-${i}@example.com`, password: 'wrong-password' });
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: gateway.port,
            method: 'POST',
            path: '/api/auth/login',
            agent: false,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              expect: '100-continue',
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('continue', () => req.end(body));
        req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
        req.on('error', reject);
      });
    try {
      const statuses = await Promise.all(Array.from({ length: FLOOD }, (_, i) => expectLogin(i)));
      const login = await timedLogin(gateway.port, '127.0.0.1');
      const forwarded = users.requests.slice(before).filter((r) => r.url === '/auth/login');
      console.log(
        `expect-100 flood: ${statuses.filter((s) => s === 200).length}/${FLOOD} answered 200, normal login ${login.status} in ${Math.round(login.ms)} ms`,
      );

      expect(statuses.every((status) => status === 200)).toBe(true);
      expect(forwarded.length).toBe(FLOOD + 1);
      expect(forwarded.every((r) => r.body.length > 0 && r.headers.expect === undefined)).toBe(true);
      expect(login.status).toBe(200);
      expect(login.ms).toBeLessThan(1000);
      expect(gateway.child.exitCode).toBeNull();
      expect(workerDied(gateway)).toBe(false);
    } finally {
      await stopService(gateway);
    }
  });

  it('a worker that dies, even right after it started serving, is replaced, and the gateway answers again', async () => {
    const gateway = await startGatewayProcess();
    try {
      // No waiting: once a worker listens, its death is a crash to recover from, not a bad configuration.
      const [workerPid] = childPids(gateway.child.pid!);
      expect(workerPid).toBeDefined();
      process.kill(workerPid!, 'SIGKILL');
      let answered = false;
      for (let i = 0; i < 150 && !answered; i++) {
        await sleep(100);
        answered = await isHealthy(gateway.port);
      }
      expect(answered, gateway.output.join('\n')).toBe(true);
      expect(gateway.child.exitCode).toBeNull();
      expect(gateway.output.join('\n')).toMatch(/worker died; starting another/);
    } finally {
      await stopService(gateway);
    }
  });
});

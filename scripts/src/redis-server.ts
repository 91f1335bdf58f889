import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort, hasCommand } from './database/process-utils';

/** A local `redis-server` (Debian's package), in memory only, on loopback. */
export interface LocalRedis {
  port: number;
  url: string;
  /** Kills it (SIGKILL unless `graceful`) and waits for it to exit. */
  stop(options?: { graceful?: boolean }): Promise<void>;
}

export const REDIS_SERVER = 'redis-server';

export const hasRedisServer = (): boolean => hasCommand(REDIS_SERVER);

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts `redis-server` on `port` (a free one by default), without persistence, and waits until
 * it answers PING (at most 10 s). Used by `npm start` and the tests; the same port can be started
 * again after `stop()` to bring "the same" Redis back.
 */
export async function startRedisServer(port?: number): Promise<LocalRedis> {
  const chosen = port ?? (await freePort());
  const child: ChildProcess = spawn(
    REDIS_SERVER,
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(chosen))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${chosen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    stop: async ({ graceful = false } = {}) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(graceful ? 'SIGTERM' : 'SIGKILL');
      await exited;
    },
  };
}

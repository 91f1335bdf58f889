import cluster from 'node:cluster';
import type { Logger } from '@shop/shared/core';

const RESTART_DELAY_MS = 200;
const MAX_RESTART_DELAY_MS = 10_000;

/**
 * Runs `count` gateway workers sharing one port (node:cluster), so the gateway uses every core.
 * A worker that dies is replaced; SIGTERM/SIGINT are passed on and the primary exits once every
 * worker has finished its own graceful shutdown (each bounds its own; `backstopMs` bounds the
 * primary in case a worker cannot).
 */
export function superviseWorkers(count: number, backstopMs: number, logger: Logger): void {
  let isStopping = false;
  // Workers that got as far as listening. One of the first workers dying before that means a bad
  // configuration: stop instead of looping. Any later death (a crash, a replacement that cannot
  // start during a Redis blip) is retried, waiting longer after each failure in a row.
  const listening = new Set<number>();
  let anyListened = false;
  let failuresInARow = 0;
  cluster.on('listening', (worker) => {
    listening.add(worker.id);
    anyListened = true;
    failuresInARow = 0;
  });
  for (let i = 0; i < count; i++) cluster.fork();

  cluster.on('exit', (worker, code, signal) => {
    if (isStopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    const hadListened = listening.delete(worker.id);
    if (!anyListened) {
      logger.fatal({ pid: worker.process.pid, code }, 'gateway worker failed at start-up; stopping');
      process.exit(1);
    }
    if (!hadListened) failuresInARow += 1;
    const delayMs = Math.min(MAX_RESTART_DELAY_MS, RESTART_DELAY_MS * 2 ** failuresInARow);
    logger.error({ pid: worker.process.pid, code, signal, delayMs }, 'gateway worker died; starting another');
    // Not unref(): with its only worker gone, this timer is what keeps the primary alive to fork the next.
    setTimeout(() => cluster.fork(), delayMs);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (isStopping) return;
    isStopping = true;
    logger.info({ signal, workers: count }, 'stopping gateway workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    setTimeout(() => process.exit(1), backstopMs).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

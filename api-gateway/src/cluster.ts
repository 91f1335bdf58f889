import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '@shop/shared/core';

const RESTART_DELAY_MS = 200;

/**
 * Runs `count` gateway workers sharing one port (node:cluster), so the gateway uses every core.
 * A worker that dies is replaced; SIGTERM/SIGINT are passed on and the primary exits once every
 * worker has finished its own graceful shutdown (each bounds its own; `backstopMs` bounds the
 * primary in case a worker cannot).
 */
export function superviseWorkers(count: number, backstopMs: number, logger: Logger): void {
  let isStopping = false;
  // Workers that got as far as listening. One that dies before is misconfigured, not unlucky:
  // stop instead of looping. One that dies after (whatever killed it) is replaced.
  const listening = new Set<number>();
  cluster.on('listening', (worker) => listening.add(worker.id));
  const fork = (): Worker => cluster.fork();
  for (let i = 0; i < count; i++) fork();

  cluster.on('exit', (worker, code, signal) => {
    if (isStopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    if (!listening.delete(worker.id)) {
      logger.fatal({ pid: worker.process.pid, code }, 'gateway worker failed at start-up; stopping');
      process.exit(1);
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'gateway worker died; starting another');
    // Not unref(): with its only worker gone, this timer is what keeps the primary alive to fork the next.
    setTimeout(fork, RESTART_DELAY_MS);
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

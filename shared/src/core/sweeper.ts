import { randomUUID } from 'node:crypto';
import type { Logger } from './logger.js';
import { withRequestId } from './request-context.js';

/** What one round did, by name (`{ released: 2, failed: 1 }`); logged by the sweeper. */
export type SweepCounts = Record<string, number>;

/** Where rounds are counted (`@shop/shared/http`'s `createSweepMetrics` is the Prometheus one). */
export interface SweepMetrics {
  roundFinished(sweep: string, counts: SweepCounts): void;
  roundFailed(sweep: string): void;
}

export interface SweeperOptions {
  /** Names the rounds in logs, request ids and metrics, e.g. `stale-orders`. */
  name: string;
  intervalMs: number;
  run: () => Promise<SweepCounts>;
  logger: Logger;
  metrics?: SweepMetrics;
}

export interface Sweeper {
  /** Stops the timer and waits for a round in progress, so `close()` can then drop the connection. */
  stop(): Promise<void>;
}

/**
 * Runs `run` every `intervalMs`, never two rounds at once: the next round is scheduled only
 * when the previous one has finished. Each round has its own request id, so its log lines
 * (and the calls it makes to other services) can be traced. The timer is unref()ed: a
 * sweeper alone never keeps the process alive.
 */
export function startSweeper({ name, intervalMs, run, logger, metrics }: SweeperOptions): Sweeper {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let isStopped = false;

  const round = async (): Promise<void> => {
    const startedAt = Date.now();
    try {
      const counts = await run();
      metrics?.roundFinished(name, counts);
      const hasWork = Object.values(counts).some((count) => count > 0);
      // An idle round every few seconds is noise at info level.
      logger[hasWork ? 'info' : 'debug'](
        { sweep: name, ...counts, durationMs: Date.now() - startedAt },
        'sweep round finished',
      );
    } catch (error) {
      metrics?.roundFailed(name);
      logger.error({ err: error, sweep: name }, 'sweep round failed');
    }
  };

  const schedule = () => {
    if (isStopped) return;
    timer = setTimeout(() => {
      current = withRequestId(`sweep-${name}-${randomUUID()}`, round).finally(() => {
        current = undefined;
        schedule();
      });
    }, intervalMs);
    timer.unref();
  };

  schedule();
  return {
    async stop() {
      isStopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

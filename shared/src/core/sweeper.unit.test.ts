import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from './logger.js';
import { getRequestId } from './request-context.js';
import { startSweeper } from './sweeper.js';

const logger = createLogger('test', 'silent');

describe('startSweeper', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when a round outlasts the interval, the next round waits for it instead of overlapping', async () => {
    vi.useFakeTimers();
    let running = 0;
    let maxRunning = 0;
    let rounds = 0;
    const sweeper = startSweeper({
      name: 'slow',
      intervalMs: 10,
      logger,
      run: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 35));
        running--;
        rounds++;
        return { rounds };
      },
    });

    await vi.advanceTimersByTimeAsync(200);
    const stopped = sweeper.stop();
    await vi.advanceTimersByTimeAsync(100);
    await stopped;

    expect(maxRunning).toBe(1);
    expect(rounds).toBeGreaterThanOrEqual(3);
  });

  it('each round runs under a request id of its own, and a failing round does not stop the next', async () => {
    vi.useFakeTimers();
    const ids: (string | undefined)[] = [];
    const sweeper = startSweeper({
      name: 'ids',
      intervalMs: 10,
      logger,
      run: async () => {
        ids.push(getRequestId());
        if (ids.length === 1) throw new Error('database hiccup');
        return {};
      },
    });

    await vi.advanceTimersByTimeAsync(35);
    await sweeper.stop();

    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(ids[0]).toMatch(/^sweep-ids-/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('when stopped during a round, stop waits for it and no further round starts', async () => {
    vi.useFakeTimers();
    let rounds = 0;
    let isFinished = false;
    const sweeper = startSweeper({
      name: 'stop',
      intervalMs: 10,
      logger,
      run: async () => {
        rounds++;
        await new Promise((resolve) => setTimeout(resolve, 50));
        isFinished = true;
        return {};
      },
    });
    await vi.advanceTimersByTimeAsync(15);

    const stopped = sweeper.stop();
    await vi.advanceTimersByTimeAsync(200);
    await stopped;

    expect(isFinished).toBe(true);
    expect(rounds).toBe(1);
  });
});

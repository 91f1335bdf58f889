import { getRequestId, withRequestId, type Logger } from '@shop/shared/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startOrderEventRelay, type OrderEventRelay } from './order-event-relay';
import type { RelayOrderEventsResult } from './relay-order-events.use-case';

function recordingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const at =
    (level: string) =>
    (_fields: unknown, msg = '') =>
      lines.push({ level, msg });
  const logger = { warn: at('warn'), info: at('info'), debug: at('debug'), error: at('error') } as unknown as Logger;
  return { logger, lines };
}

/** A round that records when it ran (in fake ms) and answers what `next` says. */
function scriptedRound() {
  const startedAt: number[] = [];
  let next: () => Promise<RelayOrderEventsResult> = () => Promise.resolve({ published: 0, isBatchFull: false });
  return {
    startedAt,
    answer(fn: () => Promise<RelayOrderEventsResult>) {
      next = fn;
    },
    round: () => {
      startedAt.push(Date.now());
      return next();
    },
  };
}

let relay: OrderEventRelay | undefined;
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(async () => {
  const stopping = relay?.stop();
  await vi.runOnlyPendingTimersAsync();
  await stopping;
  relay = undefined;
  vi.useRealTimers();
});

describe('the outbox relay loop', () => {
  it('runs a round at start, then one every interval while idle, and at once when nudged', async () => {
    const script = scriptedRound();
    relay = startOrderEventRelay({ round: script.round, intervalMs: 200, logger: recordingLogger().logger });

    await vi.advanceTimersByTimeAsync(450);
    expect(script.startedAt).toEqual([0, 200, 400]);

    relay.nudge();
    await vi.advanceTimersByTimeAsync(1);
    expect(script.startedAt).toHaveLength(4);
    expect(script.startedAt[3]).toBeLessThanOrEqual(451); // not at 600
  });

  it('a round nudged from inside a request runs under a request id of its own, not that request’s', async () => {
    const seen: (string | undefined)[] = [];
    relay = startOrderEventRelay({
      round: () => {
        seen.push(getRequestId());
        return Promise.resolve({ published: 0, isBatchFull: false });
      },
      intervalMs: 200,
      logger: recordingLogger().logger,
    });
    await vi.advanceTimersByTimeAsync(1);

    withRequestId('the-order-request', () => relay?.nudge());
    await vi.advanceTimersByTimeAsync(1);

    expect(seen).toHaveLength(2);
    for (const requestId of seen) expect(requestId).toMatch(/^relay-/);
  });

  it('after a full batch runs the next round at once', async () => {
    const script = scriptedRound();
    let full = 2;
    script.answer(() => Promise.resolve({ published: 100, isBatchFull: full-- > 0 }));
    relay = startOrderEventRelay({ round: script.round, intervalMs: 200, logger: recordingLogger().logger });

    await vi.advanceTimersByTimeAsync(100);

    // Three rounds back to back, not one per 200 ms.
    expect(script.startedAt).toHaveLength(3);
    expect(script.startedAt[2]).toBeLessThan(10);
  });

  it('while rounds fail, waits twice as long each time up to the bound, ignores nudges, and warns once; says when it recovers', async () => {
    const script = scriptedRound();
    const { logger, lines } = recordingLogger();
    script.answer(() => Promise.reject(new Error('redis down')));
    relay = startOrderEventRelay({ round: script.round, intervalMs: 100, maxBackoffMs: 1000, logger });

    await vi.advanceTimersByTimeAsync(1);
    for (let i = 0; i < 20; i++) relay.nudge(); // orders keep being placed
    await vi.advanceTimersByTimeAsync(4000);

    // 0, then pauses of 200, 400, 800, 1000, 1000, ...
    expect(script.startedAt).toEqual([0, 200, 600, 1400, 2400, 3400]);
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);

    script.answer(() => Promise.resolve({ published: 7, isBatchFull: false }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(lines.filter((line) => line.level === 'info')).toHaveLength(1);
    const before = script.startedAt.length;
    relay.nudge();
    await vi.advanceTimersByTimeAsync(1);
    expect(script.startedAt).toHaveLength(before + 1); // nudges work again
  });

  it('stop waits for the round in progress and runs no other', async () => {
    const script = scriptedRound();
    let finish!: () => void;
    script.answer(
      () =>
        new Promise((resolve) => {
          finish = () => resolve({ published: 1, isBatchFull: true });
        }),
    );
    relay = startOrderEventRelay({ round: script.round, intervalMs: 100, logger: recordingLogger().logger });
    await vi.advanceTimersByTimeAsync(0);

    let isStopped = false;
    const stopping = relay.stop().then(() => {
      isStopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(isStopped).toBe(false);
    finish();
    await stopping;
    await vi.advanceTimersByTimeAsync(1000);

    expect(script.startedAt).toEqual([0]);
  });
});

import { randomUUID } from 'node:crypto';
import { withRequestId, type Logger } from '@shop/shared/core';
import type { RelayOrderEventsResult } from './relay-order-events.use-case.js';

export interface OrderEventRelayOptions {
  /** One relay round (`relayOrderEvents` with its dependencies). */
  round: () => Promise<RelayOrderEventsResult>;
  /** Pause between rounds when idle; a nudge starts one sooner. */
  intervalMs: number;
  /** Longest pause between attempts while rounds fail (Redis or the database down); the pause doubles up to it. */
  maxBackoffMs?: number;
  logger: Logger;
}

export interface OrderEventRelay {
  /** An event was just written: run a round now rather than at the next tick (ignored while failing). */
  nudge(): void;
  /** Stops scheduling and waits for a round in progress, so the connections can then be closed. */
  stop(): Promise<void>;
}

/**
 * Runs relay rounds in the background, never two at once: every `intervalMs`, at once after a
 * nudge or a full batch, and with a doubling pause (up to `maxBackoffMs`) while they fail. An
 * outage is logged once when it starts and once when it ends, not per round or per order; while
 * it lasts, nudges do not bring attempts forward, so the backoff holds under any order traffic.
 * Timers are unref()ed: the relay alone never keeps the process alive.
 */
export function startOrderEventRelay({
  round,
  intervalMs,
  maxBackoffMs = Math.max(intervalMs, 5000),
  logger,
}: OrderEventRelayOptions): OrderEventRelay {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let isStopped = false;
  let isNudged = false;
  let failedRounds = 0;

  const schedule = (delayMs: number) => {
    clearTimeout(timer);
    if (isStopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      // A round of its own, not part of the request whose write nudged it: its log lines carry
      // their own request id (a timer set during a request would otherwise inherit that one's).
      current = withRequestId(`relay-${randomUUID()}`, runRound).finally(() => {
        current = undefined;
      });
    }, delayMs);
    timer.unref();
  };

  const runRound = async (): Promise<void> => {
    isNudged = false;
    let nextDelayMs = intervalMs;
    try {
      const { published, isBatchFull } = await round();
      if (failedRounds > 0) logger.info({ failedRounds, published }, 'order events are being published again');
      failedRounds = 0;
      if (isBatchFull || isNudged) nextDelayMs = 0;
    } catch (error) {
      failedRounds++;
      if (failedRounds === 1)
        logger.warn(
          { err: error },
          'relaying order events failed; they wait in the outbox and are retried with backoff (logged again when it recovers)',
        );
      else logger.debug({ err: error, failedRounds }, 'relaying order events failed again');
      nextDelayMs = Math.min(intervalMs * 2 ** failedRounds, maxBackoffMs);
    }
    schedule(nextDelayMs);
  };

  schedule(0); // events left from before a restart go out at once
  return {
    nudge() {
      if (isStopped || failedRounds > 0) return;
      if (current !== undefined) isNudged = true;
      else schedule(0);
    },
    async stop() {
      isStopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

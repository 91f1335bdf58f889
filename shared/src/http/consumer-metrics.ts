import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../core/logger.js';
import { withTimeout } from '../core/with-timeout.js';
import type { ConsumerMetrics, DeadLetterReason, GroupState } from '../events/consumer.js';

/** The group states read for one scrape are reused by the scrape's second gauge. */
const STATE_REUSE_MS = 1000;

/** Every reason an entry is parked for (a compile error when one is missing). */
const DEAD_LETTER_REASONS = Object.keys({
  invalid: true,
  unsupported_version: true,
  max_deliveries: true,
} satisfies Record<DeadLetterReason, true>) as DeadLetterReason[];

/**
 * The Prometheus side of `startConsumer`'s metrics, on the service's registry:
 * `shop_events_consumed_total{group,type,outcome}` (applied, duplicate, ignored, failed),
 * `shop_events_retried_total{group}`, `shop_events_dead_lettered_total{group,reason}`, and the
 * gauges `shop_consumer_lag{group}` (entries not yet handed to the group) and
 * `shop_consumer_pending{group}` (handed out, not acknowledged), read from Redis at each scrape,
 * bounded by `timeoutMs` (a slow or absent Redis keeps the last value, like `createStoreGauge`).
 */
export function createConsumerMetrics(registry: Registry, logger: Logger, timeoutMs = 1000): ConsumerMetrics {
  const consumed = new Counter({
    name: 'shop_events_consumed_total',
    help: 'Events handled by a consumer group, by type and outcome (applied, duplicate, ignored, failed)',
    labelNames: ['group', 'type', 'outcome'] as const,
    registers: [registry],
  });
  const retried = new Counter({
    name: 'shop_events_retried_total',
    help: 'Stream entries handed out again after a consumer failed, died or was too slow',
    labelNames: ['group'] as const,
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'shop_events_dead_lettered_total',
    help: 'Stream entries parked in the dead-letter stream, by reason (invalid, unsupported_version, max_deliveries)',
    labelNames: ['group', 'reason'] as const,
    registers: [registry],
  });

  const readers = new Map<string, () => Promise<GroupState>>();
  const lastReads = new Map<string, { at: number; state: Promise<GroupState> }>();

  const readState = (group: string, read: () => Promise<GroupState>): Promise<GroupState> => {
    const last = lastReads.get(group);
    if (last !== undefined && Date.now() - last.at < STATE_REUSE_MS) return last.state;
    const state = withTimeout(read(), timeoutMs, `reading group ${group} took over ${timeoutMs} ms`);
    lastReads.set(group, { at: Date.now(), state });
    return state;
  };

  const groupGauge = (name: string, help: string, pick: (state: GroupState) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['group'] as const,
      registers: [registry],
      async collect() {
        for (const [group, read] of readers) {
          try {
            const value = pick(await readState(group, read));
            if (value !== null) this.set({ group }, value);
          } catch (error) {
            logger.debug({ err: error, metric: name, group }, 'metric read failed; keeping its last value');
          }
        }
      },
    });
  groupGauge('shop_consumer_lag', 'Stream entries not yet handed to the consumer group', (state) => state.lag);
  groupGauge(
    'shop_consumer_pending',
    'Stream entries handed to the consumer group and not yet acknowledged',
    (state) => state.pending,
  );

  return {
    consumed: (group, type, outcome) => consumed.inc({ group, type, outcome }),
    retried: (group) => retried.inc({ group }),
    deadLettered: (group, reason) => deadLettered.inc({ group, reason }),
    observeGroup(group, read) {
      // The group's dead-letter series exist at 0 from its start: a series first scraped at 1 has
      // no increase(), and the OrderEventsDeadLettered alert would miss the first entry parked.
      for (const reason of DEAD_LETTER_REASONS) deadLettered.inc({ group, reason }, 0);
      readers.set(group, read);
      return () => {
        if (readers.get(group) === read) readers.delete(group);
        lastReads.delete(group);
      };
    },
  };
}

import { Counter, Gauge, Registry } from 'prom-client';
import type { AttemptOutcome } from './attempt.js';

/** Holds the metrics of clients created without a `registry`; merge it into a service's registry to expose them. */
export const serviceClientRegistry = new Registry();

type OutcomeLabel = 'success' | 'upstream_error' | 'timeout' | 'unavailable' | 'circuit_open';
export type CircuitLabel = 'closed' | 'half_open' | 'open';

const CIRCUIT_GAUGE: Record<CircuitLabel, number> = { closed: 0, half_open: 1, open: 2 };

/** The `outcome` label of an attempt, or of a whole call by its last attempt. */
export function outcomeLabel(outcome: AttemptOutcome): OutcomeLabel {
  switch (outcome.kind) {
    case 'answer':
      return outcome.answer.status >= 200 && outcome.answer.status < 300 ? 'success' : 'upstream_error';
    case 'network':
      return 'unavailable';
    case 'timeout':
      return 'timeout';
    case 'circuit_open':
      return 'circuit_open';
  }
}

interface MetricSet {
  attempts: Counter<'target' | 'outcome'>;
  retries: Counter<'target'>;
  requests: Counter<'target' | 'outcome'>;
  circuitState: Gauge<'target'>;
  transitions: Counter<'target' | 'to'>;
}

// prom-client refuses a second metric with the same name in one registry, so each registry gets one set.
const metricsByRegistry = new WeakMap<Registry, MetricSet>();

function metricSetFor(registry: Registry): MetricSet {
  const existing = metricsByRegistry.get(registry);
  if (existing !== undefined) return existing;
  const registers = [registry];
  const metrics: MetricSet = {
    attempts: new Counter({
      name: 'service_client_attempts_total',
      help: 'HTTP attempts made to another service, by target and outcome',
      labelNames: ['target', 'outcome'] as const,
      registers,
    }),
    retries: new Counter({
      name: 'service_client_retries_total',
      help: 'Retried attempts, by target',
      labelNames: ['target'] as const,
      registers,
    }),
    requests: new Counter({
      name: 'service_client_requests_total',
      help: 'Calls to another service (all attempts together), by target and outcome',
      labelNames: ['target', 'outcome'] as const,
      registers,
    }),
    circuitState: new Gauge({
      name: 'service_client_circuit_state',
      help: 'Circuit breaker state per target: 0 closed, 1 half-open, 2 open',
      labelNames: ['target'] as const,
      registers,
    }),
    transitions: new Counter({
      name: 'service_client_circuit_transitions_total',
      help: 'Circuit breaker state changes, by target and new state',
      labelNames: ['target', 'to'] as const,
      registers,
    }),
  };
  metricsByRegistry.set(registry, metrics);
  return metrics;
}

/** What one client records, already labelled with its target. */
export interface ClientMetrics {
  recordAttempt(outcome: AttemptOutcome): void;
  recordRetry(): void;
  recordCall(outcome: AttemptOutcome): void;
  recordCircuitState(state: CircuitLabel, isTransition: boolean): void;
}

export function clientMetrics(registry: Registry, target: string): ClientMetrics {
  const metrics = metricSetFor(registry);
  return {
    recordAttempt: (outcome) => metrics.attempts.inc({ target, outcome: outcomeLabel(outcome) }),
    recordRetry: () => metrics.retries.inc({ target }),
    recordCall: (outcome) => metrics.requests.inc({ target, outcome: outcomeLabel(outcome) }),
    recordCircuitState(state, isTransition) {
      metrics.circuitState.set({ target }, CIRCUIT_GAUGE[state]);
      if (isTransition) metrics.transitions.inc({ target, to: state });
    },
  };
}

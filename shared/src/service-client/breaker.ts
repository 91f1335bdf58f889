import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhenResult,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { AttemptOutcome } from './attempt.js';
import type { CircuitLabel } from './metrics.js';

export interface BreakerOptions {
  /** Consecutive failed attempts that open the circuit. */
  consecutiveFailures: number;
  /** How long the circuit stays open before one trial call may pass. */
  halfOpenAfterMs: number;
  onStateChange?: (state: CircuitLabel) => void;
}

/**
 * What the breaker counts as the target failing: no answer, or a 5xx. Any answer below 500 —
 * a 404, a 409, a 429 — comes from a service healthy enough to say no.
 */
export function isTargetFailure(outcome: AttemptOutcome): boolean {
  if (outcome.kind === 'network' || outcome.kind === 'timeout') return true;
  return outcome.kind === 'answer' && outcome.answer.status >= 500;
}

const LABELS: Partial<Record<CircuitState, CircuitLabel>> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

/**
 * One target's circuit breaker (cockatiel's, counting consecutive failures). Attempts go in as
 * functions resolving to an outcome and come back as outcomes: a refused attempt is a
 * `circuit_open` outcome, never an exception.
 */
export class TargetBreaker {
  private readonly policy: CircuitBreakerPolicy;
  private readonly halfOpenAfterMs: number;
  private openedAt = 0;

  constructor({ consecutiveFailures, halfOpenAfterMs, onStateChange }: BreakerOptions) {
    this.halfOpenAfterMs = halfOpenAfterMs;
    // Outcomes are results, not errors: the breaker judges them with the predicate and passes them on.
    this.policy = circuitBreaker(
      handleWhenResult((result) => isTargetFailure(result as AttemptOutcome)),
      {
        halfOpenAfter: halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(consecutiveFailures),
      },
    );
    this.policy.onStateChange((state) => {
      if (state === CircuitState.Open) this.openedAt = Date.now();
      const label = LABELS[state];
      if (label !== undefined) onStateChange?.(label);
    });
  }

  async run(attempt: () => Promise<AttemptOutcome>): Promise<AttemptOutcome> {
    // While the trial call of a half-open circuit is in flight, others fail fast rather than queue behind it.
    if (this.policy.state === CircuitState.HalfOpen) return this.refusal();
    try {
      return await this.policy.execute(attempt);
    } catch (error) {
      if (error instanceof BrokenCircuitError) return this.refusal();
      throw error;
    }
  }

  /** Whole seconds until a trial call may pass, while the circuit is open and not yet due for one; else undefined. */
  secondsUntilTrial(): number | undefined {
    if (this.policy.state !== CircuitState.Open || Date.now() >= this.openedAt + this.halfOpenAfterMs) return undefined;
    return this.refusal().retryAfterSeconds;
  }

  private refusal(): { kind: 'circuit_open'; retryAfterSeconds: number } {
    const untilHalfOpenMs = this.openedAt + this.halfOpenAfterMs - Date.now();
    return { kind: 'circuit_open', retryAfterSeconds: Math.max(1, Math.ceil(untilHalfOpenMs / 1000)) };
  }
}

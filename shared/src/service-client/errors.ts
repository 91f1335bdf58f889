import type { AppError, ProblemDetails } from '../core/errors.js';
import {
  CircuitOpenError,
  UpstreamError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../core/upstream-errors.js';
import { parseJsonBody, type AttemptOutcome } from './attempt.js';

function problemOf(body: string): Partial<ProblemDetails> {
  const payload = parseJsonBody(body);
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
    ? (payload as Partial<ProblemDetails>)
    : {};
}

/**
 * The one place a failed call becomes a typed error: the last attempt's outcome, and whether
 * any attempt of the call went out. Not for a 2xx answer, which is not a failure.
 */
export function errorForOutcome(target: string, outcome: AttemptOutcome, wasRequestSent: boolean): AppError {
  switch (outcome.kind) {
    case 'answer': {
      const problem = problemOf(outcome.answer.body);
      return new UpstreamError(
        target,
        outcome.answer.status,
        typeof problem.code === 'string' ? problem.code : 'UNKNOWN',
        problem,
      );
    }
    case 'network':
      return new UpstreamUnavailableError(target, outcome.cause);
    case 'timeout':
      return new UpstreamTimeoutError(target, outcome.cause);
    case 'circuit_open':
      return new CircuitOpenError(target, outcome.retryAfterSeconds, wasRequestSent);
  }
}

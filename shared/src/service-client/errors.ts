import { AppError, type ProblemDetails } from '../errors.js';
import { parseJsonBody, type AttemptOutcome } from './attempt.js';

// Messages name the target service only, never its URL or host: they can reach a client.
// This file imports no HTTP library, so a package that needs only these classes loads none.

/** A downstream service answered with an error; keeps its status and stable code. */
export class UpstreamError extends AppError {
  constructor(
    readonly target: string,
    readonly upstreamStatus: number,
    readonly upstreamCode: string,
    readonly problem: Partial<ProblemDetails>,
  ) {
    super('UPSTREAM.ERROR', 502, `${target} answered ${upstreamStatus}`);
  }
}

export class UpstreamUnavailableError extends AppError {
  constructor(target: string, cause: unknown) {
    super('UPSTREAM.UNAVAILABLE', 503, `${target} is unavailable`, { cause, headers: { 'Retry-After': '1' } });
  }
}

export class UpstreamTimeoutError extends AppError {
  constructor(target: string, cause: unknown) {
    super('UPSTREAM.TIMEOUT', 504, `${target} did not answer in time`, { cause });
  }
}

/** The target's circuit breaker is open: this attempt was not sent. */
export class CircuitOpenError extends AppError {
  constructor(
    readonly target: string,
    /** Whole seconds until the breaker lets a trial call through (at least 1). */
    readonly retryAfterSeconds: number,
    /** Whether an earlier attempt of the same call went out (it may have had an effect). */
    readonly wasRequestSent = false,
  ) {
    super('UPSTREAM.CIRCUIT_OPEN', 503, `${target} is unavailable (circuit open)`, { headers: { 'Retry-After': String(retryAfterSeconds) } });
  }
}

function problemOf(body: string): Partial<ProblemDetails> {
  const payload = parseJsonBody(body);
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Partial<ProblemDetails>) : {};
}

/**
 * The one place a failed call becomes a typed error: the last attempt's outcome, and whether
 * any attempt of the call went out. Not for a 2xx answer, which is not a failure.
 */
export function errorForOutcome(target: string, outcome: AttemptOutcome, wasRequestSent: boolean): AppError {
  switch (outcome.kind) {
    case 'answer': {
      const problem = problemOf(outcome.answer.body);
      return new UpstreamError(target, outcome.answer.status, typeof problem.code === 'string' ? problem.code : 'UNKNOWN', problem);
    }
    case 'network':
      return new UpstreamUnavailableError(target, outcome.cause);
    case 'timeout':
      return new UpstreamTimeoutError(target, outcome.cause);
    case 'circuit_open':
      return new CircuitOpenError(target, outcome.retryAfterSeconds, wasRequestSent);
  }
}

import { AppError, type ProblemDetails } from './errors.js';

// Messages name the target service only, never its URL or host: they can reach a client.
// They live in core, not beside the ServiceClient, so the gateway can use them without axios.

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
    super('UPSTREAM.CIRCUIT_OPEN', 503, `${target} is unavailable (circuit open)`, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

/** A call to another service, as its client describes it. */
export interface ServiceRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What the target answered, any status. */
export interface Answer {
  status: number;
  /** The raw `Retry-After` header, if the answer had one. */
  retryAfter: string | undefined;
  body: string;
}

/**
 * How one attempt ended. Failures stay plain values until the call is over, so each is turned
 * into a typed error once, in one place (`errorForOutcome`), whatever the retry loop and the
 * breaker made of it on the way.
 */
export type AttemptOutcome =
  | { kind: 'answer'; answer: Answer }
  /** Nothing usable came back: refused, reset, dropped mid-answer. `cause` holds no URL or header. */
  | { kind: 'network'; cause: Error }
  /** The attempt's time (or the call's deadline) ran out. */
  | { kind: 'timeout'; cause: Error }
  /** The breaker refused the attempt; nothing was sent. */
  | { kind: 'circuit_open'; retryAfterSeconds: number };

export function isSuccess(outcome: AttemptOutcome): outcome is { kind: 'answer'; answer: Answer } {
  return outcome.kind === 'answer' && outcome.answer.status >= 200 && outcome.answer.status < 300;
}

/** The parsed JSON of a body; undefined when it is empty or not JSON. */
export function parseJsonBody(body: string): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

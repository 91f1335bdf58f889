import type { AttemptOutcome, ServiceRequest } from './attempt.js';

// Pure rules of the retry loop: which calls and outcomes are retried, how long to wait, and how
// the call's deadline bounds both. Time and randomness come in as arguments.

const IDEMPOTENT_METHODS = new Set<ServiceRequest['method']>(['GET', 'HEAD', 'PUT', 'DELETE']);
/** Below 500 only 429 is worth another attempt; of the 5xx, only those a proxy or an overloaded server sends. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
/** An attempt needs at least this much of the deadline left to be worth starting. */
export const MIN_ATTEMPT_MS = 10;
/** The longest `Retry-After` taken at its word; the deadline usually cuts far shorter. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** A random number in [0, 1), like Math.random. */
export type RandomSource = () => number;

/** Safe to send twice: a method that is idempotent by definition, or a call that carries an `Idempotency-Key`. */
export function isIdempotent({ method, headers = {} }: Pick<ServiceRequest, 'method' | 'headers'>): boolean {
  return (
    IDEMPOTENT_METHODS.has(method) || Object.keys(headers).some((name) => name.toLowerCase() === 'idempotency-key')
  );
}

/** Whether another attempt could end differently: no answer, or an answer that says "not now". */
export function isRetryable(outcome: AttemptOutcome): boolean {
  if (outcome.kind === 'network' || outcome.kind === 'timeout') return true;
  return outcome.kind === 'answer' && RETRYABLE_STATUSES.has(outcome.answer.status);
}

/**
 * Exponential backoff with full jitter: the wait before retry `n` (1 for the first) is random in
 * [0, min(maxMs, baseMs * 2^(n-1))), so many callers retrying together spread apart.
 */
export function backoffMs(retry: number, { baseMs, maxMs }: Backoff, random: RandomSource): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return random() * cap;
}

const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * `Retry-After` in milliseconds from `nowMs`: delta-seconds (`120`) or an HTTP date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`), at least 0 (a date in the past) and at most `maxMs`.
 * Undefined when absent or in any other form, so the caller falls back to its backoff.
 */
export function parseRetryAfterMs(
  value: string | undefined,
  nowMs: number,
  maxMs = MAX_RETRY_AFTER_MS,
): number | undefined {
  const text = value?.trim() ?? '';
  if (/^\d+$/.test(text)) return Math.min(maxMs, Number(text) * 1000);
  if (!IMF_FIXDATE.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.min(maxMs, Math.max(0, at - nowMs));
}

/** Time left before `deadlineAt`, never negative. */
export function remainingMs(deadlineAt: number, nowMs: number): number {
  return Math.max(0, deadlineAt - nowMs);
}

/** An attempt may take its own timeout, but never past the call's deadline. */
export function attemptTimeoutMs(perAttemptMs: number, remaining: number): number {
  return Math.min(perAttemptMs, remaining);
}

export interface RetryInput {
  outcome: AttemptOutcome;
  /** 1 for the first attempt. */
  attempt: number;
  /** 1 for a call that must not be repeated. */
  maxAttempts: number;
  /** Time left before the call's deadline, now. */
  remainingMs: number;
  nowMs: number;
  backoff: Backoff;
  random: RandomSource;
}

export type RetryDecision = { retry: false } | { retry: true; waitMs: number };

/**
 * Whether to try again and after how long: only a retryable outcome of a call with attempts
 * left, after `Retry-After` if the answer has one or else the backoff, and only when the wait
 * still leaves room for an attempt before the deadline (otherwise the call ends now rather than
 * sleeping past it).
 */
export function decideRetry({
  outcome,
  attempt,
  maxAttempts,
  remainingMs: remaining,
  nowMs,
  backoff,
  random,
}: RetryInput): RetryDecision {
  if (attempt >= maxAttempts || !isRetryable(outcome)) return { retry: false };
  const retryAfter = outcome.kind === 'answer' ? parseRetryAfterMs(outcome.answer.retryAfter, nowMs) : undefined;
  const waitMs = retryAfter ?? backoffMs(attempt, backoff, random);
  if (waitMs + MIN_ATTEMPT_MS > remaining) return { retry: false };
  return { retry: true, waitMs };
}

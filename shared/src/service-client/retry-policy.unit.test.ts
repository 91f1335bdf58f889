import { describe, expect, it } from 'vitest';
import type { AttemptOutcome } from './attempt';
import {
  MAX_RETRY_AFTER_MS,
  MIN_ATTEMPT_MS,
  attemptTimeoutMs,
  backoffMs,
  decideRetry,
  isIdempotent,
  isRetryable,
  parseRetryAfterMs,
  remainingMs,
  type RetryInput,
} from './retry-policy';

const answered = (status: number, retryAfter?: string): AttemptOutcome => ({
  kind: 'answer',
  answer: { status, retryAfter, body: '' },
});
const network: AttemptOutcome = { kind: 'network', cause: new Error('ECONNRESET') };
const timeout: AttemptOutcome = { kind: 'timeout', cause: new Error('aborted') };
const circuitOpen: AttemptOutcome = { kind: 'circuit_open', retryAfterSeconds: 3 };

const NOW = Date.parse('2025-01-01T12:00:00Z');

describe('isIdempotent', () => {
  it.each(['GET', 'HEAD', 'PUT', 'DELETE'] as const)('treats %s as safe to repeat', (method) => {
    expect(isIdempotent({ method })).toBe(true);
  });

  it.each(['POST', 'PATCH'] as const)('never repeats a plain %s', (method) => {
    expect(isIdempotent({ method, headers: { authorization: 'Bearer x' } })).toBe(false);
  });

  it('repeats a POST that carries an Idempotency-Key, however the header is spelt', () => {
    expect(isIdempotent({ method: 'POST', headers: { 'Idempotency-Key': 'o1' } })).toBe(true);
    expect(isIdempotent({ method: 'PATCH', headers: { 'idempotency-key': 'o1' } })).toBe(true);
  });
});

describe('isRetryable', () => {
  it.each([429, 502, 503, 504])('retries an answer of %i', (status) => {
    expect(isRetryable(answered(status))).toBe(true);
  });

  it.each([200, 201, 400, 401, 404, 409, 422, 500, 501, 505])('does not retry an answer of %i', (status) => {
    expect(isRetryable(answered(status))).toBe(false);
  });

  it('retries when nothing answered (network error, timeout) but not when the breaker refused', () => {
    expect(isRetryable(network)).toBe(true);
    expect(isRetryable(timeout)).toBe(true);
    expect(isRetryable(circuitOpen)).toBe(false);
  });
});

describe('backoffMs (full jitter)', () => {
  const backoff = { baseMs: 100, maxMs: 1000 };

  it('waits up to base * 2^(n-1), scaled by the random draw', () => {
    expect(backoffMs(1, backoff, () => 0.5)).toBe(50);
    expect(backoffMs(2, backoff, () => 0.5)).toBe(100);
    expect(backoffMs(3, backoff, () => 0.5)).toBe(200);
  });

  it('spans the whole range from 0 to just under the cap', () => {
    expect(backoffMs(3, backoff, () => 0)).toBe(0);
    expect(backoffMs(3, backoff, () => 0.999)).toBeCloseTo(399.6);
  });

  it('never exceeds maxMs, however many retries', () => {
    expect(backoffMs(5, backoff, () => 0.999)).toBeLessThan(1000);
    expect(backoffMs(10_000, backoff, () => 0.999)).toBeLessThan(1000);
  });
});

describe('parseRetryAfterMs', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfterMs('0', NOW)).toBe(0);
    expect(parseRetryAfterMs('2', NOW)).toBe(2000);
    expect(parseRetryAfterMs(' 120 ', NOW)).toBe(120_000);
  });

  it('reads an HTTP date as the time until then, and a date in the past as no wait', () => {
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 11:00:00 GMT', NOW)).toBe(0);
  });

  it('bounds a far-off value by maxMs', () => {
    expect(parseRetryAfterMs('99999999999999999999', NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfterMs('Fri, 01 Jan 2100 00:00:00 GMT', NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfterMs('10', NOW, 5000)).toBe(5000);
  });

  it.each([
    undefined,
    '',
    '-1',
    '1.5',
    'soon',
    '2025-01-01T12:00:30Z',
    'Wed, 01 Jan 2025 12:00:30',
    'Wed, 45 Jan 2025 12:00:30 GMT',
  ])('ignores %j, so the backoff applies', (value) => {
    expect(parseRetryAfterMs(value, NOW)).toBeUndefined();
  });
});

describe('deadline arithmetic', () => {
  it('counts the time left, never below zero', () => {
    expect(remainingMs(NOW + 300, NOW)).toBe(300);
    expect(remainingMs(NOW, NOW)).toBe(0);
    expect(remainingMs(NOW - 50, NOW)).toBe(0);
  });

  it("gives an attempt its own timeout, or what is left of the call's deadline if that is less", () => {
    expect(attemptTimeoutMs(3000, 5000)).toBe(3000);
    expect(attemptTimeoutMs(3000, 1200)).toBe(1200);
    expect(attemptTimeoutMs(3000, 0)).toBe(0);
  });
});

describe('decideRetry', () => {
  const input = (overrides: Partial<RetryInput>): RetryInput => ({
    outcome: answered(503),
    attempt: 1,
    maxAttempts: 3,
    remainingMs: 5000,
    nowMs: NOW,
    backoff: { baseMs: 100, maxMs: 1000 },
    random: () => 0.5,
    ...overrides,
  });

  it('retries a retryable outcome after the jittered backoff', () => {
    expect(decideRetry(input({ attempt: 2 }))).toEqual({ retry: true, waitMs: 100 });
    expect(decideRetry(input({ outcome: network }))).toEqual({ retry: true, waitMs: 50 });
  });

  it('waits as long as Retry-After asks instead of the backoff', () => {
    expect(decideRetry(input({ outcome: answered(429, '2') }))).toEqual({ retry: true, waitMs: 2000 });
  });

  it('falls back to the backoff when Retry-After cannot be read', () => {
    expect(decideRetry(input({ outcome: answered(503, 'later') }))).toEqual({ retry: true, waitMs: 50 });
  });

  it('stops when the attempts are used up (a call that must not repeat has one)', () => {
    expect(decideRetry(input({ attempt: 3, maxAttempts: 3 }))).toEqual({ retry: false });
    expect(decideRetry(input({ attempt: 1, maxAttempts: 1, outcome: network }))).toEqual({ retry: false });
  });

  it('stops on a final outcome: success, a refusal, a 500, an open breaker', () => {
    for (const outcome of [answered(200), answered(409), answered(500), circuitOpen])
      expect(decideRetry(input({ outcome }))).toEqual({ retry: false });
  });

  it('stops rather than wait past the deadline, leaving room for one more attempt', () => {
    expect(decideRetry(input({ outcome: answered(429, '30'), remainingMs: 2000 }))).toEqual({ retry: false });
    expect(decideRetry(input({ outcome: answered(429, '1'), remainingMs: 1000 + MIN_ATTEMPT_MS }))).toEqual({
      retry: true,
      waitMs: 1000,
    });
    expect(decideRetry(input({ outcome: answered(429, '1'), remainingMs: 1000 + MIN_ATTEMPT_MS - 1 }))).toEqual({
      retry: false,
    });
  });
});

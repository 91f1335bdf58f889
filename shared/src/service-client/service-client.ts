import type { Registry } from 'prom-client';
import type { Endpoint } from '../discovery/endpoint.js';
import { isSuccess, parseJsonBody, type AttemptOutcome, type ServiceRequest } from './attempt.js';
import { TargetBreaker } from './breaker.js';
import { errorForOutcome } from './errors.js';
import { clientMetrics, serviceClientRegistry, type ClientMetrics } from './metrics.js';
import {
  MIN_ATTEMPT_MS,
  attemptTimeoutMs,
  decideRetry,
  isIdempotent,
  remainingMs,
  type Backoff,
  type RandomSource,
} from './retry-policy.js';
import { HttpTransport } from './transport.js';

export interface ServiceClientOptions {
  /** The target's name, used in errors and as the `target` metrics label. */
  name: string;
  /** The target's instances: `fixedEndpoint(url)`, or `discovery.endpoint(name)` to follow the registry. */
  endpoint: Endpoint;
  /** Bound on each attempt (connect, send, whole answer). Default 3000. */
  timeoutMs?: number;
  /** Bound on the whole call, all attempts and waits included. Default 5000. */
  deadlineMs?: number;
  /** Extra attempts for idempotent calls. Default 2. */
  retries?: number;
  /** Exponential backoff with full jitter: the n-th wait is random in [0, min(maxMs, baseMs * 2^(n-1))). */
  backoff?: { baseMs?: number; maxMs?: number };
  breaker?: {
    /** Consecutive failed attempts (network error, timeout, 5xx) that open the circuit. Default 5. */
    consecutiveFailures?: number;
    /** How long the circuit stays open before one trial call may pass. Default 5000. */
    halfOpenAfterMs?: number;
  };
  /** Where the `service_client_*` metrics are registered; default `serviceClientRegistry`. */
  registry?: Registry;
  /** The jitter's random source, [0, 1); default Math.random. */
  random?: RandomSource;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The seam through which a service calls another: JSON over HTTP on keep-alive connections to
 * the target's instances (each attempt picks one; a retry after a network failure another),
 * the request id and trace context forwarded, a timeout per attempt and a deadline per call,
 * retries with exponential backoff and full jitter for idempotent calls only, a circuit breaker
 * per target, metrics, and failures mapped to typed errors (see docs/adr/0003-service-client.md).
 */
export class ServiceClient {
  private readonly name: string;
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;
  private readonly retries: number;
  private readonly backoff: Backoff;
  private readonly random: RandomSource;
  private readonly transport: HttpTransport;
  private readonly endpoint: Endpoint;
  private readonly breaker: TargetBreaker;
  private readonly metrics: ClientMetrics;

  constructor(options: ServiceClientOptions) {
    this.name = options.name;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.deadlineMs = options.deadlineMs ?? 5000;
    this.retries = options.retries ?? 2;
    this.backoff = { baseMs: options.backoff?.baseMs ?? 100, maxMs: options.backoff?.maxMs ?? 1000 };
    this.random = options.random ?? Math.random;
    const halfOpenAfterMs = options.breaker?.halfOpenAfterMs ?? 5000;
    const consecutiveFailures = options.breaker?.consecutiveFailures ?? 5;
    for (const [key, value, min] of [
      ['timeoutMs', this.timeoutMs, 1],
      ['deadlineMs', this.deadlineMs, 1],
      ['retries', this.retries, 0],
      ['halfOpenAfterMs', halfOpenAfterMs, 1],
      ['consecutiveFailures', consecutiveFailures, 1],
    ] as const) {
      if (!Number.isInteger(value) || value < min)
        throw new RangeError(`ServiceClient ${this.name}: ${key} must be an integer >= ${min}`);
    }

    this.endpoint = options.endpoint;
    this.transport = new HttpTransport();
    this.metrics = clientMetrics(options.registry ?? serviceClientRegistry, this.name);
    this.metrics.recordCircuitState('closed', false);
    this.breaker = new TargetBreaker({
      consecutiveFailures,
      halfOpenAfterMs,
      onStateChange: (state) => this.metrics.recordCircuitState(state, true),
    });
  }

  /**
   * Resolves with the parsed JSON body of a 2xx answer (undefined if empty or not JSON); rejects
   * with UpstreamError (any other answer), UpstreamUnavailableError, UpstreamTimeoutError or
   * CircuitOpenError.
   */
  async request<T>(request: ServiceRequest): Promise<T> {
    const { outcome, wasRequestSent } = await this.call(request);
    this.metrics.recordCall(outcome);
    if (isSuccess(outcome)) return parseJsonBody(outcome.answer.body) as T;
    throw errorForOutcome(this.name, outcome, wasRequestSent);
  }

  /**
   * Throws CircuitOpenError while the breaker is open and not yet due for its trial call, so a
   * caller can refuse work that could only end at this call, before doing any of it.
   */
  assertCircuitClosed(): void {
    const retryAfterSeconds = this.breaker.secondsUntilTrial();
    if (retryAfterSeconds !== undefined)
      throw errorForOutcome(this.name, { kind: 'circuit_open', retryAfterSeconds }, false);
  }

  /** Closes idle keep-alive connections. The client must not be used afterwards. */
  close(): void {
    this.transport.close();
  }

  /** Attempts until one is final (per the retry policy); the last outcome and whether anything went out. */
  private async call(request: ServiceRequest): Promise<{ outcome: AttemptOutcome; wasRequestSent: boolean }> {
    const deadlineAt = Date.now() + this.deadlineMs;
    const maxAttempts = isIdempotent(request) ? this.retries + 1 : 1;
    let wasRequestSent = false;
    // Instances this call has failed to reach; a retry goes to another one while there is one.
    const unreachable = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      const timeoutMs = attemptTimeoutMs(this.timeoutMs, remainingMs(deadlineAt, Date.now()));
      // Reached only with a tiny deadlineMs or a wait that overran its timer; not the target's fault, so the breaker never hears of it.
      if (timeoutMs < MIN_ATTEMPT_MS)
        return {
          outcome: { kind: 'timeout', cause: new Error('deadline exceeded before the attempt') },
          wasRequestSent,
        };
      const baseUrl = this.endpoint.pick(unreachable) ?? this.endpoint.pick();
      if (baseUrl === undefined) throw new Error(`ServiceClient ${this.name}: the endpoint has no instance`);
      const outcome = await this.breaker.run(() => this.transport.send(baseUrl, request, timeoutMs));
      this.metrics.recordAttempt(outcome);
      // Passive health check: an instance that failed to connect, dropped the call or did not
      // answer in time rests, and a retry goes to another one.
      if (outcome.kind === 'network' || outcome.kind === 'timeout') {
        unreachable.add(baseUrl);
        this.endpoint.markFailed(baseUrl);
      }
      if (outcome.kind !== 'circuit_open') wasRequestSent = true;
      const now = Date.now();
      const decision = decideRetry({
        outcome,
        attempt,
        maxAttempts,
        remainingMs: remainingMs(deadlineAt, now),
        nowMs: now,
        backoff: this.backoff,
        random: this.random,
      });
      if (!decision.retry) return { outcome, wasRequestSent };
      await sleep(decision.waitMs);
      this.metrics.recordRetry();
    }
  }
}

import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { Counter, Gauge, Registry } from 'prom-client';
import { AppError, type ProblemDetails } from './errors.js';
import { IDLE_SOCKET_TIMEOUT_MS } from './http/keep-alive.js';
import { REQUEST_ID_HEADER, getRequestId } from './request-context.js';

export interface ServiceRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

// Messages name the target service only, never its URL or host: they can reach a client.

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

export interface ServiceClientOptions {
  /** The target's name, used in errors and as the `target` metrics label. */
  name: string;
  baseUrl: string;
  /** Bound on each attempt (connect, send, whole answer). Default 3000. */
  timeoutMs?: number;
  /** Bound on the whole call, all attempts and waits included. Default 5000. */
  deadlineMs?: number;
  /** Extra attempts for idempotent calls. Default 2. */
  retries?: number;
  /** Exponential backoff with full jitter: the n-th wait is random in [0, min(maxMs, baseMs * 2^n)). */
  backoff?: { baseMs?: number; maxMs?: number };
  breaker?: {
    /** Consecutive failed attempts (network error, timeout, 5xx) that open the circuit. Default 5. */
    consecutiveFailures?: number;
    /** How long the circuit stays open before one trial call may pass. Default 5000. */
    halfOpenAfterMs?: number;
  };
  /** Where the `service_client_*` metrics are registered; default `serviceClientRegistry`. */
  registry?: Registry;
}

/** Holds the metrics of clients created without a `registry`; merge it into a service's registry to expose them. */
export const serviceClientRegistry = new Registry();

type Outcome = 'success' | 'upstream_error' | 'timeout' | 'unavailable' | 'circuit_open';
type CircuitLabel = 'closed' | 'half_open' | 'open';

interface ClientMetrics {
  attempts: Counter<'target' | 'outcome'>;
  retries: Counter<'target'>;
  requests: Counter<'target' | 'outcome'>;
  circuitState: Gauge<'target'>;
  transitions: Counter<'target' | 'to'>;
}

// prom-client refuses a second metric with the same name in one registry, so each registry gets one set.
const metricsByRegistry = new WeakMap<Registry, ClientMetrics>();

function metricsFor(registry: Registry): ClientMetrics {
  const existing = metricsByRegistry.get(registry);
  if (existing !== undefined) return existing;
  const registers = [registry];
  const metrics: ClientMetrics = {
    attempts: new Counter({
      name: 'service_client_attempts_total',
      help: 'HTTP attempts made to another service, by target and outcome',
      labelNames: ['target', 'outcome'] as const,
      registers,
    }),
    retries: new Counter({ name: 'service_client_retries_total', help: 'Retried attempts, by target', labelNames: ['target'] as const, registers }),
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

const CIRCUIT_STATES: Partial<Record<CircuitState, { label: CircuitLabel; gauge: number }>> = {
  [CircuitState.Closed]: { label: 'closed', gauge: 0 },
  [CircuitState.HalfOpen]: { label: 'half_open', gauge: 1 },
  [CircuitState.Open]: { label: 'open', gauge: 2 },
  [CircuitState.Isolated]: { label: 'open', gauge: 2 },
};

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
/** An attempt needs at least this much of the deadline left to be worth starting. */
const MIN_ATTEMPT_MS = 10;

interface Answer {
  status: number;
  headers: AxiosResponse['headers'];
  body: string;
}

/**
 * One failed attempt that the breaker counts: no answer (network error, timeout) or a 5xx answer.
 * Internal; callers only ever see the typed errors above.
 */
class AttemptFailure extends Error {
  constructor(
    readonly kind: 'network' | 'timeout' | 'server',
    readonly reason: Error,
    readonly answer?: Answer,
  ) {
    super(kind);
  }
}

/** The deadline ran out before an attempt could start; not the target's fault, so the breaker ignores it. */
class DeadlineExceeded extends Error {}

/** A small error that names what went wrong without the URL, host or headers an axios error carries. */
function sanitizedCause(error: unknown): Error {
  if (!axios.isAxiosError(error)) return error instanceof Error ? error : new Error(String(error));
  const code = error.code ?? 'UNKNOWN';
  return Object.assign(new Error(`request failed: ${code}`), { code });
}

function parseBody(body: string): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function problemOf(answer: Answer): Partial<ProblemDetails> {
  const payload = parseBody(answer.body);
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Partial<ProblemDetails>) : {};
}

/** `Retry-After` as milliseconds (delta-seconds or an HTTP date), or undefined. */
function retryAfterMs(answer: Answer | undefined): number | undefined {
  const value: unknown = answer?.headers['retry-after'];
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function isIdempotent({ method, headers = {} }: ServiceRequest): boolean {
  return IDEMPOTENT_METHODS.has(method) || Object.keys(headers).some((name) => name.toLowerCase() === 'idempotency-key');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The seam through which a service calls another: JSON over HTTP on keep-alive connections,
 * the request id forwarded, a timeout per attempt and a deadline per call, retries with
 * exponential backoff and full jitter for idempotent calls only, a circuit breaker per target,
 * metrics, and failures mapped to typed errors (see docs/adr/0003-service-client.md).
 */
export class ServiceClient {
  private readonly name: string;
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;
  private readonly retries: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly halfOpenAfterMs: number;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly axios: AxiosInstance;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly metrics: ClientMetrics;
  private openedAt = 0;

  constructor(options: ServiceClientOptions) {
    this.name = options.name;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.deadlineMs = options.deadlineMs ?? 5000;
    this.retries = options.retries ?? 2;
    this.backoffBaseMs = options.backoff?.baseMs ?? 100;
    this.backoffMaxMs = options.backoff?.maxMs ?? 1000;
    this.halfOpenAfterMs = options.breaker?.halfOpenAfterMs ?? 5000;
    const consecutiveFailures = options.breaker?.consecutiveFailures ?? 5;
    for (const [key, value, min] of [
      ['timeoutMs', this.timeoutMs, 1],
      ['deadlineMs', this.deadlineMs, 1],
      ['retries', this.retries, 0],
      ['halfOpenAfterMs', this.halfOpenAfterMs, 1],
      ['consecutiveFailures', consecutiveFailures, 1],
    ] as const) {
      if (!Number.isInteger(value) || value < min) throw new RangeError(`ServiceClient ${this.name}: ${key} must be an integer >= ${min}`);
    }

    // Idle pooled sockets are closed before the target would close them (see IDLE_SOCKET_TIMEOUT_MS).
    this.httpAgent = new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS });
    this.httpsAgent = new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS });
    this.axios = axios.create({
      baseURL: options.baseUrl,
      // Paths are relative to the target; an absolute URL in a path must not redirect the call elsewhere.
      allowAbsoluteUrls: false,
      adapter: 'http',
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      // Calls between services go direct: no proxies from the environment, no redirects (they could carry the token away).
      proxy: false,
      maxRedirects: 0,
      maxContentLength: 10 * 1024 * 1024,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
    });

    this.metrics = metricsFor(options.registry ?? serviceClientRegistry);
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof AttemptFailure),
      { halfOpenAfter: this.halfOpenAfterMs, breaker: new ConsecutiveBreaker(consecutiveFailures) },
    );
    this.metrics.circuitState.set({ target: this.name }, 0);
    this.breaker.onStateChange((state) => {
      if (state === CircuitState.Open) this.openedAt = Date.now();
      const known = CIRCUIT_STATES[state];
      if (known === undefined) return;
      this.metrics.circuitState.set({ target: this.name }, known.gauge);
      this.metrics.transitions.inc({ target: this.name, to: known.label });
    });
  }

  /** Resolves with the parsed JSON body of a 2xx answer; rejects with one of the typed errors above. */
  async request<T>(request: ServiceRequest): Promise<T> {
    try {
      const payload = (await this.withRetries(request)) as T;
      this.metrics.requests.inc({ target: this.name, outcome: 'success' });
      return payload;
    } catch (error) {
      this.metrics.requests.inc({ target: this.name, outcome: outcomeOf(error) });
      throw error;
    }
  }

  /** Closes idle keep-alive connections. The client must not be used afterwards. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async withRetries(request: ServiceRequest): Promise<unknown> {
    const deadline = Date.now() + this.deadlineMs;
    const maxAttempts = isIdempotent(request) ? this.retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      let answer: Answer | undefined;
      let failure: AppError;
      try {
        answer = await this.attempt(request, deadline);
        if (answer.status >= 200 && answer.status < 300) return parseBody(answer.body);
        failure = this.upstreamError(answer);
      } catch (error) {
        // CircuitOpenError and UpstreamTimeoutError (deadline spent) end the call here.
        if (error instanceof CircuitOpenError && attempt > 1) throw new CircuitOpenError(error.target, error.retryAfterSeconds, true);
        if (!(error instanceof AttemptFailure)) throw error;
        answer = error.answer;
        failure = this.mapFailure(error);
      }
      // Below 500 only 429 is worth another attempt; of the 5xx, only 502, 503 and 504.
      if (answer !== undefined && !RETRYABLE_STATUSES.has(answer.status)) throw failure;
      if (attempt >= maxAttempts) throw failure;
      // Full jitter: a random wait up to the exponential cap spreads retries of many callers apart.
      const waitMs = retryAfterMs(answer) ?? Math.random() * Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (attempt - 1));
      // A wait that would leave no room for another attempt before the deadline is not worth making.
      if (Date.now() + waitMs + MIN_ATTEMPT_MS > deadline) throw failure;
      await sleep(waitMs);
      this.metrics.retries.inc({ target: this.name });
    }
  }

  /** One attempt through the breaker. Resolves with any answer below 500; rejects with AttemptFailure, CircuitOpenError or DeadlineExceeded. */
  private async attempt(request: ServiceRequest, deadline: number): Promise<Answer> {
    // While the trial call of a half-open circuit is in flight, others fail fast rather than queue behind it.
    try {
      if (this.breaker.state === CircuitState.HalfOpen) throw new BrokenCircuitError();
      const answer = await this.breaker.execute(() => this.send(request, deadline));
      this.metrics.attempts.inc({ target: this.name, outcome: answer.status >= 200 && answer.status < 300 ? 'success' : 'upstream_error' });
      return answer;
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        this.metrics.attempts.inc({ target: this.name, outcome: 'circuit_open' });
        throw this.circuitOpen();
      }
      if (error instanceof DeadlineExceeded) throw new UpstreamTimeoutError(this.name, error);
      if (error instanceof AttemptFailure) {
        const outcome = error.kind === 'network' ? 'unavailable' : error.kind === 'timeout' ? 'timeout' : 'upstream_error';
        this.metrics.attempts.inc({ target: this.name, outcome });
      }
      throw error;
    }
  }

  private async send({ method, path, body, headers = {} }: ServiceRequest, deadline: number): Promise<Answer> {
    const budgetMs = Math.min(this.timeoutMs, deadline - Date.now());
    if (budgetMs < MIN_ATTEMPT_MS) throw new DeadlineExceeded('deadline exceeded before the attempt');
    const requestId = getRequestId();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, budgetMs);
    try {
      const response = await this.axios.request<string>({
        method,
        url: path,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(requestId === undefined ? {} : { [REQUEST_ID_HEADER]: requestId }),
          ...headers,
        },
        data: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
      });
      const answer: Answer = { status: response.status, headers: response.headers, body: typeof response.data === 'string' ? response.data : '' };
      if (answer.status >= 500) throw new AttemptFailure('server', new Error(`answered ${answer.status}`), answer);
      return answer;
    } catch (error) {
      if (error instanceof AttemptFailure) throw error;
      throw new AttemptFailure(timedOut ? 'timeout' : 'network', sanitizedCause(error));
    } finally {
      clearTimeout(timer);
    }
  }

  private upstreamError(answer: Answer): UpstreamError {
    const problem = problemOf(answer);
    return new UpstreamError(this.name, answer.status, typeof problem.code === 'string' ? problem.code : 'UNKNOWN', problem);
  }

  private mapFailure(failure: AttemptFailure): AppError {
    if (failure.kind === 'timeout') return new UpstreamTimeoutError(this.name, failure.reason);
    if (failure.kind === 'network' || failure.answer === undefined) return new UpstreamUnavailableError(this.name, failure.reason);
    return this.upstreamError(failure.answer);
  }

  /**
   * Throws CircuitOpenError while the breaker is open and not yet due for its trial call, so a
   * caller can refuse work that could only end at this call, before doing any of it.
   */
  assertCircuitClosed(): void {
    if (this.breaker.state === CircuitState.Open && Date.now() < this.openedAt + this.halfOpenAfterMs) throw this.circuitOpen();
  }

  private circuitOpen(): CircuitOpenError {
    const untilHalfOpenMs = this.openedAt + this.halfOpenAfterMs - Date.now();
    return new CircuitOpenError(this.name, Math.max(1, Math.ceil(untilHalfOpenMs / 1000)));
  }
}

function outcomeOf(error: unknown): Outcome {
  if (error instanceof CircuitOpenError) return 'circuit_open';
  if (error instanceof UpstreamTimeoutError) return 'timeout';
  if (error instanceof UpstreamUnavailableError) return 'unavailable';
  return 'upstream_error';
}

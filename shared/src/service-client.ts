import { AppError, type ProblemDetails } from './errors.js';
import { REQUEST_ID_HEADER, getRequestId } from './request-context.js';

export interface ServiceRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

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

export interface ServiceClientOptions {
  /** The target's name, used in errors and (later) metrics. */
  name: string;
  baseUrl: string;
  timeoutMs: number;
}

/**
 * The seam through which a service calls another: JSON over HTTP with a timeout,
 * the request id forwarded, and failures mapped to typed errors. Retries and the
 * circuit breaker belong here too (see the resilience issue).
 */
export class ServiceClient {
  constructor(private readonly options: ServiceClientOptions) {}

  async request<T>({ method, path, body, headers = {} }: ServiceRequest): Promise<T> {
    const requestId = getRequestId();
    let response: Response;
    try {
      response = await fetch(new URL(path, this.options.baseUrl), {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(requestId === undefined ? {} : { [REQUEST_ID_HEADER]: requestId }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const isTimeout = error instanceof DOMException && error.name === 'TimeoutError';
      throw isTimeout ? new UpstreamTimeoutError(this.options.name, error) : new UpstreamUnavailableError(this.options.name, error);
    }
    const text = await response.text();
    const payload: unknown = text.length > 0 ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const problem = (payload ?? {}) as Partial<ProblemDetails>;
      throw new UpstreamError(this.options.name, response.status, typeof problem.code === 'string' ? problem.code : 'UNKNOWN', problem);
    }
    return payload as T;
  }
}

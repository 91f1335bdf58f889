import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { IDLE_SOCKET_TIMEOUT_MS } from '../http/keep-alive.js';
import { REQUEST_ID_HEADER, getRequestId, outgoingTraceHeaders } from '../core/request-context.js';
import type { AttemptOutcome, ServiceRequest } from './attempt.js';

/** A small error that names what went wrong without the URL, host or headers an axios error carries. */
function sanitizedCause(error: unknown): Error {
  if (!axios.isAxiosError(error)) return error instanceof Error ? error : new Error(String(error));
  const code = error.code ?? 'UNKNOWN';
  return Object.assign(new Error(`request failed: ${code}`), { code });
}

/**
 * One HTTP attempt at a time to one instance of a target: JSON over keep-alive connections, the
 * request id and trace (`traceparent`, this process's span as the parent) forwarded, the whole
 * attempt (connect, send, full answer) bounded by its timeout. Resolves with an outcome for
 * every failure the network can cause; it does not retry or judge statuses.
 */
export class HttpTransport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly axios: AxiosInstance;

  constructor() {
    // Idle pooled sockets are closed before the target would close them (see IDLE_SOCKET_TIMEOUT_MS).
    this.httpAgent = new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS });
    this.httpsAgent = new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS });
    this.axios = axios.create({
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
      // Every status is an answer; what it means is decided by the caller.
      validateStatus: () => true,
    });
  }

  async send(
    baseUrl: string,
    { method, path, body, headers = {} }: ServiceRequest,
    timeoutMs: number,
  ): Promise<AttemptOutcome> {
    const requestId = getRequestId();
    // An abort, not axios' `timeout` (which only bounds idleness), so a trickling answer is cut off too.
    const controller = new AbortController();
    let hasTimedOut = false;
    const timer = setTimeout(() => {
      hasTimedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const response = await this.axios.request<string>({
        method,
        baseURL: baseUrl,
        url: path,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(requestId === undefined ? {} : { [REQUEST_ID_HEADER]: requestId }),
          ...outgoingTraceHeaders(),
          ...headers,
        },
        data: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
      });
      const retryAfter: unknown = response.headers['retry-after'];
      return {
        kind: 'answer',
        answer: {
          status: response.status,
          retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
          body: typeof response.data === 'string' ? response.data : '',
        },
      };
    } catch (error) {
      return hasTimedOut
        ? { kind: 'timeout', cause: sanitizedCause(error) }
        : { kind: 'network', cause: sanitizedCause(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

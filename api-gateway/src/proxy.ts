import {
  Agent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import {
  REQUEST_ID_HEADER,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  getRequestId,
  outgoingTraceHeaders,
  toProblem,
  type AppError,
  type Logger,
} from '@shop/shared/core';
import { IDLE_SOCKET_TIMEOUT_MS } from '@shop/shared/http';
import type { NextFunction, Request, Response } from 'express';
import type { Counter, Histogram } from 'prom-client';
import type { UpstreamEndpoints, UpstreamName } from './upstreams.js';

export interface ProxyDeps {
  upstreams: UpstreamEndpoints;
  /** Bound on the wait for an upstream's response headers (queueing for a socket included), and on any silence after. */
  timeoutMs: number;
  /**
   * Bound on opening a connection to an instance. One that does not accept in time (frozen,
   * or gone from the network) is rested and the request goes to another instance.
   */
  connectTimeoutMs: number;
  logger: Logger;
  upstreamDuration: Histogram<'target' | 'status_code'>;
  /** Failed attempts, by upstream and kind (`UpstreamErrorKind`); one request may count several. */
  upstreamErrors: Counter<'target' | 'kind'>;
}

/** Where one request goes: the upstream, the path there, and whether it honours `Idempotency-Key`. */
export interface ProxyTarget {
  upstream: UpstreamName;
  path: string;
  honoursIdempotencyKey: boolean;
  /** The operation's answers may come from the micro-cache (micro-cache.ts); the proxy itself ignores it. */
  isCacheable?: boolean;
  /**
   * Sees the upstream's answer before anything of it is sent; returning true takes it over (the
   * micro-cache stores it and answers itself), and the proxy then leaves the client's answer alone.
   */
  onResponse?: (answer: IncomingMessage) => boolean;
}

export type Proxy = (req: Request, res: Response, target: ProxyTarget, next: NextFunction) => void;

// Connections to upstreams are reused; opening one per request would dominate latency. Idle ones
// are dropped before the upstream would drop them, so a reused socket is never one being closed.
// Requests reach the pool only with their whole body read, so a socket is held for as long as the
// upstream takes to answer, never for as long as a slow client takes to send.
const MAX_SOCKETS_PER_UPSTREAM = 256;
/** Bound on the parsed instance addresses kept (instances come and go with the registry). */
const MAX_PARSED_URLS = 1024;

// Hop-by-hop headers (RFC 9110 §7.6.1) and `expect` (answered by our own server, which then
// reads the whole body) are not forwarded. `host` is set by node for the upstream.
const NOT_FORWARDED_REQUEST = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
  'content-length',
  'forwarded',
]);
export const NOT_FORWARDED_RESPONSE: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Identity travels only inside the signed token, and the client's address only as the gateway
 * saw it: headers claiming either are dropped and the `X-Forwarded-*` set are the gateway's own.
 * So are the request id and the trace headers: the client's, once checked, continue in the
 * gateway's (a malformed `traceparent` is never passed on as it came).
 */
function isClientControlled(name: string): boolean {
  return (
    name.startsWith('x-user-') ||
    name.startsWith('x-forwarded-') ||
    name === 'x-real-ip' ||
    name === 'x-auth-user' ||
    name === 'x-principal' ||
    name === REQUEST_ID_HEADER.toLowerCase() ||
    name === TRACEPARENT_HEADER ||
    name === TRACESTATE_HEADER
  );
}

/** `/orders/1` → `/api/orders/1`; an absolute URL is left alone. */
export function publicLocation(location: string): string {
  return location.startsWith('/') && !location.startsWith('//') ? `/api${location}` : location;
}

function outgoingHeaders(req: Request, body: Buffer | undefined): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const connectionListed = new Set(
    (req.headers.connection ?? '')
      .toLowerCase()
      .split(',')
      .map((token) => token.trim()),
  );
  for (const [name, value] of Object.entries(req.headers)) {
    if (
      value === undefined ||
      NOT_FORWARDED_REQUEST.has(name) ||
      connectionListed.has(name) ||
      isClientControlled(name)
    )
      continue;
    headers[name] = value;
  }
  const requestId = getRequestId();
  if (requestId !== undefined) headers[REQUEST_ID_HEADER] = requestId;
  Object.assign(headers, outgoingTraceHeaders());
  headers['x-forwarded-for'] = req.ip ?? req.socket.remoteAddress ?? '';
  headers['x-forwarded-proto'] = req.protocol;
  if (req.headers.host !== undefined) headers['x-forwarded-host'] = req.headers.host;
  if (body !== undefined) headers['content-length'] = body.length;
  return headers;
}

const CONNECT_TIMED_OUT = 'ECONNECTTIMEOUT';
// The connection was never made: nothing reached the instance, so any request may go to another.
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  CONNECT_TIMED_OUT,
]);
// The connection broke before an answer: the instance may have started on the request.
const CONNECTION_BROKEN = new Set(['ECONNRESET', 'EPIPE']);

export type UpstreamErrorKind =
  'connect_refused' | 'connect_timeout' | 'reset' | 'timeout' | 'stalled' | 'no_instance' | 'bad_address' | 'other';

/** Why an attempt failed, in a fixed set (a metric label). */
function upstreamErrorKind(
  error: NodeJS.ErrnoException,
  hasTimedOut: boolean,
  hasAnswered: boolean,
): UpstreamErrorKind {
  if (hasTimedOut) return 'timeout';
  if (hasAnswered) return 'stalled';
  if (error.code === CONNECT_TIMED_OUT) return 'connect_timeout';
  if (NOT_CONNECTED.has(error.code ?? '')) return 'connect_refused';
  if (CONNECTION_BROKEN.has(error.code ?? '')) return 'reset';
  return 'other';
}

function isConnectionFailure(error: NodeJS.ErrnoException): boolean {
  return NOT_CONNECTED.has(error.code ?? '') || CONNECTION_BROKEN.has(error.code ?? '');
}

/**
 * Safe to send twice: a method idempotent by definition, or a request with an `Idempotency-Key`
 * to an operation whose upstream honours it (elsewhere the key is only a header, and a repeat
 * would apply a stock change twice or replay a rotated refresh token).
 */
function isIdempotent(req: Request, honoursIdempotencyKey: boolean): boolean {
  return IDEMPOTENT_METHODS.has(req.method) || (honoursIdempotencyKey && req.headers['idempotency-key'] !== undefined);
}
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

function sendProblem(res: Response, error: AppError): void {
  res
    .status(error.status)
    .set(error.headers)
    .type('application/problem+json')
    .send(JSON.stringify(toProblem(error, getRequestId())));
}

/**
 * Sends one request, whose body (if any) is already read into `req.body`, to an upstream and
 * streams the answer back. Every header is decided before the outgoing request exists, so
 * nothing is set on a request that has started; every failure ends in an answer (502/503/504
 * problem+json before the upstream's headers, a cut connection after), never in a throw.
 */
export function createProxy(deps: ProxyDeps): Proxy {
  const agents = new Map<string, Agent>();
  // Instances are few and long-lived: each address is parsed once, not on every request.
  const parsed = new Map<string, URL>();
  const urlOf = (instanceUrl: string): URL => {
    let url = parsed.get(instanceUrl);
    if (url === undefined) {
      url = new URL(instanceUrl);
      if (parsed.size >= MAX_PARSED_URLS) parsed.clear();
      parsed.set(instanceUrl, url);
    }
    return url;
  };
  /** A pooled request to an instance over http or https (an instance may be registered with either). */
  const requestTo = (upstream: UpstreamName, target: URL, options: RequestOptions): ClientRequest => {
    const isHttps = target.protocol === 'https:';
    if (!isHttps && target.protocol !== 'http:') throw new Error(`unsupported protocol ${target.protocol}`);
    const key = `${upstream} ${target.protocol}`;
    let agent = agents.get(key);
    if (agent === undefined) {
      const settings = {
        keepAlive: true,
        maxSockets: MAX_SOCKETS_PER_UPSTREAM,
        maxFreeSockets: 64,
        timeout: IDLE_SOCKET_TIMEOUT_MS,
      };
      agent = isHttps ? new HttpsAgent(settings) : new Agent(settings);
      agents.set(key, agent);
    }
    const request = isHttps ? httpsRequest : httpRequest;
    return request({ ...options, hostname: target.hostname, port: target.port, agent });
  };

  return (req, res, { upstream, path: upstreamPath, honoursIdempotencyKey, onResponse }, next) => {
    const body = Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined;
    const headers = outgoingHeaders(req, body);
    const endpoint = deps.upstreams[upstream];
    const retryOnReset = isIdempotent(req, honoursIdempotencyKey);
    const startedAt = process.hrtime.bigint();
    // Instances this request failed to reach; another attempt goes elsewhere.
    const tried = new Set<string>();
    let outcome: 'pending' | 'timed-out' | 'client-left' = 'pending';
    let proxyReq: ClientRequest | undefined;
    let currentInstance: string | undefined;

    // One timer from now until the upstream's headers, across every attempt and the time spent
    // queueing for a pooled socket; after the headers, the socket's idle timeout guards a stalled body.
    const deadline = setTimeout(() => {
      outcome = 'timed-out';
      // An instance that takes this long (frozen, overloaded) rests too, like one that refuses.
      if (currentInstance !== undefined) endpoint.markFailed(currentInstance);
      proxyReq?.destroy(new Error('upstream timed out'));
    }, deps.timeoutMs);

    // A client that goes away takes its upstream request with it.
    res.once('close', () => {
      if (res.writableFinished) return;
      outcome = 'client-left';
      clearTimeout(deadline);
      proxyReq?.destroy();
    });

    const fail = (error: Error) => {
      clearTimeout(deadline);
      if (outcome === 'client-left') return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const mapped =
        outcome === 'timed-out'
          ? new UpstreamTimeoutError(upstream, error)
          : new UpstreamUnavailableError(upstream, error);
      deps.logger.warn({ err: error, target: upstream, status: mapped.status }, 'upstream failed');
      sendProblem(res, mapped);
    };

    const attempt = (instanceUrl: string): void => {
      tried.add(instanceUrl);
      currentInstance = instanceUrl;
      let sent: ClientRequest;
      try {
        sent = requestTo(upstream, urlOf(instanceUrl), { method: req.method, path: upstreamPath, headers });
      } catch (error) {
        // An address this gateway cannot use: rest it and go on with another, as for a refusal.
        deps.upstreamErrors.inc({ target: upstream, kind: 'bad_address' });
        endpoint.markFailed(instanceUrl);
        const other = endpoint.pick(tried);
        if (other !== undefined) attempt(other);
        else fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      proxyReq = sent;
      sent.once('socket', (socket) => {
        if (!socket.connecting) return;
        const connectTimer = setTimeout(() => {
          sent.destroy(Object.assign(new Error('connect timed out'), { code: CONNECT_TIMED_OUT }));
        }, deps.connectTimeoutMs);
        socket.once('connect', () => clearTimeout(connectTimer));
        socket.once('close', () => clearTimeout(connectTimer));
      });

      let hasAnswered = false;
      sent.on('error', (error: NodeJS.ErrnoException) => {
        if (outcome !== 'client-left') {
          const kind = upstreamErrorKind(error, outcome === 'timed-out', hasAnswered);
          deps.upstreamErrors.inc({ target: upstream, kind });
        }
        if (outcome === 'pending' && !res.headersSent && isConnectionFailure(error)) {
          // Passive health check: the instance rests, the next requests go to the others.
          endpoint.markFailed(instanceUrl);
          const next = endpoint.pick(tried);
          // Nothing reached the instance (refused), or the request may be sent twice (idempotent).
          if (next !== undefined && (NOT_CONNECTED.has(error.code ?? '') || retryOnReset)) {
            deps.logger.info({ err: error, target: upstream }, 'upstream instance failed: trying another');
            attempt(next);
            return;
          }
        }
        fail(error);
      });

      sent.on('response', (proxyRes) => {
        hasAnswered = true;
        clearTimeout(deadline);
        deps.upstreamDuration.observe(
          { target: upstream, status_code: String(proxyRes.statusCode ?? 0) },
          Number(process.hrtime.bigint() - startedAt) / 1e9,
        );
        sent.setTimeout(deps.timeoutMs, () => sent.destroy(new Error('upstream stalled mid-answer')));
        if (onResponse?.(proxyRes) === true) return;
        res.statusCode = proxyRes.statusCode ?? 502;
        for (const [name, value] of Object.entries(proxyRes.headers)) {
          if (value === undefined || NOT_FORWARDED_RESPONSE.has(name)) continue;
          // Services serve the public paths without `/api`: a path they point to gets it back.
          res.setHeader(name, name === 'location' && typeof value === 'string' ? publicLocation(value) : value);
        }
        // Either side failing or closing early ends both: an upstream that dies or stalls
        // mid-answer (its answer errs as `aborted`) cuts the client's connection instead of
        // leaving it waiting for the rest; a client that leaves destroys the upstream request
        // (above). Not `stream.pipeline`: its AbortController costs a DOMException per request.
        proxyRes.once('error', () => res.destroy());
        proxyRes.pipe(res);
      });

      sent.end(body);
    };

    const first = endpoint.pick();
    if (first === undefined) {
      clearTimeout(deadline);
      deps.upstreamErrors.inc({ target: upstream, kind: 'no_instance' });
      next(new UpstreamUnavailableError(upstream, new Error('no instance known')));
      return;
    }
    attempt(first);
  };
}

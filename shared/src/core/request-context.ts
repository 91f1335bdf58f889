import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import {
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  continueTrace,
  startTrace,
  traceparentOf,
  type TraceContext,
} from './trace-context.js';

interface RequestContext {
  requestId: string;
  trace: TraceContext;
}

const storage = new AsyncLocalStorage<RequestContext>();
// An incoming id is reused only if it is short and plain, so it cannot inject into logs or headers.
/** A request id a caller may choose; any other is replaced. */
export const ACCEPTABLE_REQUEST_ID = /^[\w.:-]{1,128}$/;

export const REQUEST_ID_HEADER = 'X-Request-Id';

export function getRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** The trace of the request (or background work) being served, with this process's span; undefined outside one. */
export function getTraceContext(): TraceContext | undefined {
  return storage.getStore()?.trace;
}

/**
 * The trace headers for a call made while serving the current request: its trace, this
 * process's span as the parent, the caller's `tracestate` passed on. Empty outside a request.
 */
export function outgoingTraceHeaders(): Record<string, string> {
  const trace = getTraceContext();
  if (trace === undefined) return {};
  const headers: Record<string, string> = { [TRACEPARENT_HEADER]: traceparentOf(trace) };
  if (trace.traceState !== undefined) headers[TRACESTATE_HEADER] = trace.traceState;
  return headers;
}

// Node joins a repeated header into one value: two `traceparent`s then fail validation, as the
// spec wants, and repeated `tracestate`s make one list, as it allows.
const singleHeader = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);

/**
 * Runs the rest of the request inside a context holding its request id and trace: the caller's
 * `traceparent` continued with a span of this process, or a new trace when it is absent or invalid.
 */
export function requestContext(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get(REQUEST_ID_HEADER);
    const requestId = incoming !== undefined && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const trace = continueTrace(
      singleHeader(req.headers[TRACEPARENT_HEADER]),
      singleHeader(req.headers[TRACESTATE_HEADER]),
    );
    storage.run({ requestId, trace }, next);
  };
}

/** Runs `fn` with a request id and a new trace, for work that starts outside a request (start-up, sweeps). */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId, trace: startTrace() }, fn);
}

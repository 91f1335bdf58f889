import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();
// An incoming id is reused only if it is short and plain, so it cannot inject into logs or headers.
const ACCEPTABLE_REQUEST_ID = /^[\w.:-]{1,128}$/;

export const REQUEST_ID_HEADER = 'X-Request-Id';

export function getRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Runs the rest of the request inside a context holding its request id. */
export function requestContext(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get(REQUEST_ID_HEADER);
    const requestId = incoming !== undefined && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    storage.run({ requestId }, next);
  };
}

/** Runs `fn` with a request id, for work that starts outside a request (start-up, sweeps). */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

import { Agent } from 'node:http';
import { IDLE_SOCKET_TIMEOUT_MS, REQUEST_ID_HEADER, UpstreamTimeoutError, UpstreamUnavailableError, getRequestId, toProblem, type AppError, type Logger } from '@shop/shared';
import type { Request, RequestHandler, Response } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { Histogram } from 'prom-client';
import type { UpstreamName, UpstreamResolver } from './upstreams.js';

export interface ProxyDeps {
  resolver: UpstreamResolver;
  timeoutMs: number;
  logger: Logger;
  upstreamDuration: Histogram<'target' | 'status_code'>;
}

// Connections to upstreams are reused; opening one per request would dominate latency. Idle ones
// are dropped before the upstream would drop them, so a reused socket is never one being closed.
const keepAliveAgent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64, timeout: IDLE_SOCKET_TIMEOUT_MS });

function sendProblem(res: Response, error: AppError): void {
  res
    .status(error.status)
    .set(error.headers)
    .type('application/problem+json')
    .send(JSON.stringify(toProblem(error, getRequestId())));
}

/**
 * A streaming proxy to one upstream. The body is piped through untouched, except where an
 * earlier middleware had to read it (login) and left the raw bytes in `req.body`.
 */
export function createUpstreamProxy(target: UpstreamName, deps: ProxyDeps): RequestHandler {
  const proxy = createProxyMiddleware<Request, Response>({
    target: deps.resolver.resolve(target),
    router: () => deps.resolver.resolve(target),
    // Case-insensitive like the routing decision (Express matches `/API/USERS/ME` as `/api/users/me`).
    pathRewrite: (path) => path.replace(/^\/api(?=\/)/i, ''),
    agent: keepAliveAgent,
    xfwd: true,
    on: {
      proxyReq: (proxyReq, req, res) => {
        res.locals.upstreamStartedAt = process.hrtime.bigint();
        const requestId = getRequestId();
        if (requestId !== undefined) proxyReq.setHeader(REQUEST_ID_HEADER, requestId);
        if (Buffer.isBuffer(req.body)) {
          proxyReq.setHeader('content-length', req.body.length);
          proxyReq.write(req.body);
        }
        proxyReq.setTimeout(deps.timeoutMs, () => {
          res.locals.upstreamTimedOut = true;
          proxyReq.destroy(new Error('upstream timed out'));
        });
        // A client that goes away takes its upstream request with it.
        res.once('close', () => {
          if (res.writableFinished) return;
          res.locals.clientLeft = true;
          proxyReq.destroy();
        });
      },
      proxyRes: (proxyRes, _req, res) => {
        // An upstream that dies mid-answer must not leave the client waiting for the rest.
        proxyRes.once('close', () => {
          if (!proxyRes.complete) res.destroy();
        });
        const started = res.locals.upstreamStartedAt as bigint | undefined;
        if (started === undefined) return;
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        deps.upstreamDuration.observe({ target, status_code: String(proxyRes.statusCode ?? 0) }, seconds);
      },
      error: (error, _req, res) => {
        if (!('status' in res)) return; // a raw socket (upgrade); we proxy no websockets
        const response = res as Response;
        if (response.locals.clientLeft === true) return; // nobody is waiting for an answer
        const mapped = response.locals.upstreamTimedOut === true ? new UpstreamTimeoutError(target, error) : new UpstreamUnavailableError(target, error);
        deps.logger.warn({ err: error, target, status: mapped.status }, 'upstream failed');
        if (response.headersSent) {
          response.destroy();
          return;
        }
        sendProblem(response, mapped);
      },
    },
  });
  return proxy;
}

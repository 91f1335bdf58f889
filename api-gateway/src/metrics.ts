import { timingSafeEqual } from 'node:crypto';
import { UnauthorizedError, type Logger } from '@shop/shared/core';
import { createHttpMetrics, type HttpMetrics } from '@shop/shared/http';
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram } from 'prom-client';

export type RejectionReason =
  | 'auth'
  | 'rate_limit_global'
  | 'rate_limit_password'
  | 'rate_limit_login'
  | 'rate_limit_orders'
  | 'payload_too_large'
  | 'length_required'
  | 'connection_limit_total'
  | 'connection_limit_client'
  | 'live_connections_total'
  | 'live_connections_user';

/** Why the live feed closed a socket itself. */
export type LiveDropReason = 'slow_client' | 'heartbeat' | 'token_expired' | 'client_spoke';

export interface GatewayMetrics extends HttpMetrics {
  upstreamDuration: Histogram<'target' | 'status_code'>;
  rejections: Counter<'reason'>;
  upstreamErrors: Counter<'target' | 'kind'>;
  /** Anonymous catalogue reads by how the micro-cache served them (micro-cache.ts). */
  microCache: Counter<'result'>;
  /** The live order feed (`GET /api/orders/live`): open sockets, messages sent, sockets dropped. */
  live: {
    connections: Gauge;
    messages: Counter<'type'>;
    dropped: Counter<'reason'>;
  };
}

export function createGatewayMetrics(logger: Logger): GatewayMetrics {
  const http = createHttpMetrics('api-gateway', logger);
  const upstreamDuration = new Histogram({
    name: 'gateway_upstream_duration_seconds',
    help: 'Time from sending a request upstream to its response headers, by upstream and status code',
    labelNames: ['target', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [http.registry],
  });
  const rejections = new Counter({
    name: 'gateway_rejections_total',
    help: 'Requests the gateway refused itself, by reason',
    labelNames: ['reason'] as const,
    registers: [http.registry],
  });
  const upstreamErrors = new Counter({
    name: 'gateway_upstream_errors_total',
    help: 'Attempts to reach an upstream that failed, by upstream and kind (connect_refused, connect_timeout, reset, timeout, stalled, no_instance, bad_address, other)',
    labelNames: ['target', 'kind'] as const,
    registers: [http.registry],
  });
  const microCache = new Counter({
    name: 'gateway_micro_cache_requests_total',
    help: "Anonymous catalogue reads by micro-cache result: hit (a stored answer), coalesced (waited for another request's upstream call), miss (went upstream itself), bypass (a token or cookie: never cached)",
    labelNames: ['result'] as const,
    registers: [http.registry],
  });
  const live = {
    connections: new Gauge({
      name: 'gateway_live_connections',
      help: 'Open live-feed WebSockets on this worker',
      registers: [http.registry],
    }),
    messages: new Counter({
      name: 'gateway_live_messages_total',
      help: 'Messages sent on live-feed WebSockets, by type (order.status, feed.status)',
      labelNames: ['type'] as const,
      registers: [http.registry],
    }),
    dropped: new Counter({
      name: 'gateway_live_dropped_total',
      help: 'Live-feed WebSockets the gateway closed itself, by reason (slow_client, heartbeat, token_expired, client_spoke)',
      labelNames: ['reason'] as const,
      registers: [http.registry],
    }),
  };
  return { ...http, upstreamDuration, rejections, upstreamErrors, microCache, live };
}

/** `/metrics` behind `Authorization: Bearer <METRICS_TOKEN>` when a token is set (constant-time compare). */
export function requireMetricsToken(token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : Buffer.from(`Bearer ${token}`);
  return (req, _res, next) => {
    if (expected === undefined) return next();
    const given = Buffer.from(req.headers.authorization ?? '');
    const isValid = given.length === expected.length && timingSafeEqual(given, expected);
    next(isValid ? undefined : new UnauthorizedError('A valid metrics token is required', 'METRICS.UNAUTHORIZED'));
  };
}

import type { ServiceOperation } from '@shop/shared/contract';
import { z } from 'zod';

export { DOCS_ROUTES } from './api-docs.js';
export { OPERATIONS } from './routing.js';

/**
 * The document's `info`. `version` follows the API: a change that can break a client (a removed
 * operation, field or status, a new required input) bumps the major version (`npm run
 * openapi:check` refuses it otherwise).
 */
export const API_INFO = {
  title: 'Shop API',
  version: '1.0.0',
  description:
    'The public API of the shop, served by its gateway under `/api`. Errors are `application/problem+json` ' +
    '(RFC 9457) with a stable `code`; every answer carries `X-Request-Id`, and rate-limited ones `RateLimit` and ' +
    '`RateLimit-Policy` (IETF draft 8). Lists are paged with `page` and `limit`.',
};

/** The operations the gateway answers itself, documented like the services' own. */
export const contract: readonly ServiceOperation[] = [
  {
    operationId: 'getApiDocument',
    method: 'get',
    path: '/api/openapi.json',
    tag: 'API',
    summary: 'This document',
    responses: {
      200: {
        description: 'The OpenAPI 3.1 document of the public API',
        body: z.looseObject({
          openapi: z.string(),
          info: z.looseObject({ version: z.string() }),
          paths: z.record(z.string(), z.unknown()),
        }),
      },
    },
  },
  {
    operationId: 'getApiDocs',
    method: 'get',
    path: '/api/docs',
    tag: 'API',
    summary: 'A page to browse this document and try the API (Swagger UI)',
    responses: { 200: { description: 'The page', body: z.string(), contentType: 'text/html' } },
  },
  {
    operationId: 'openLiveFeed',
    method: 'get',
    path: '/api/orders/live',
    tag: 'Orders',
    summary: "A WebSocket of the caller's own orders' status changes",
    description: [
      'Open with `GET` and `Upgrade: websocket`. Browsers, which cannot set `Authorization` on a WebSocket, send',
      'the token as `Sec-WebSocket-Protocol: bearer, <token>`; the answer selects `bearer`.',
      'Messages are JSON, one per frame (the 101 answer has no body):',
      '`{"type":"order.status","eventId","orderId","status","event","time","totalCents"}` for each change of one of',
      'the caller\'s orders, and `{"type":"feed.status","state":"live"|"degraded","reason"?}` when delivery stops or',
      'resumes. The socket is closed with 4001 when the token expires, 1013 when the client reads too slowly,',
      '1008 when the client sends data, 1001 when the gateway shuts down.',
    ].join(' '),
    roles: ['user', 'admin'],
    responses: { 101: { description: 'Switched to the WebSocket protocol' } },
    errors: {
      400: ['REQUEST.INVALID'],
      426: ['LIVE.UPGRADE_REQUIRED'],
      429: ['LIVE.TOO_MANY_CONNECTIONS'],
      503: ['LIVE.UNAVAILABLE'],
    },
  },
];

import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { ACCEPTABLE_REQUEST_ID } from '../core/request-context.js';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import type { ServiceOperation, SuccessResponse } from './operation.js';
import { problemSchema } from './problem.js';

const PROBLEM = problemSchema.meta({ id: 'Problem' });

/** Who may call an operation at the gateway (see api-gateway/src/routing.ts). */
export type ApiAccess = 'anonymous' | 'optional-token' | 'token';

/** A service operation as the gateway publishes it. */
export interface PublishedOperation {
  operation: ServiceOperation;
  /** The public path, `/api/...`, with `:name` parameters. */
  path: string;
  access: ApiAccess;
  /** Forwarded to a service (so the upstream errors apply), or answered by the gateway itself. */
  proxied: boolean;
}

export interface ApiInfo {
  title: string;
  version: string;
  description: string;
}

/** The generated document (OpenAPI 3.1). */
export type ApiDocument = ReturnType<typeof createDocument>;

type ErrorTable = Partial<Record<number, readonly string[]>>;

/**
 * Errors any public operation can answer, whatever it does: the gateway's canonical-path check,
 * its body and connection caps and global rate limit, and the body parsing every service shares.
 */
const EVERY_OPERATION: ErrorTable = {
  400: ['REQUEST.BAD_PATH', 'REQUEST.MALFORMED_JSON', 'REQUEST.INVALID', 'REQUEST.ABORTED', 'REQUEST.SIZE_INVALID'],
  411: ['REQUEST.LENGTH_REQUIRED'],
  413: ['REQUEST.TOO_LARGE'],
  415: ['REQUEST.UNSUPPORTED_MEDIA_TYPE', 'REQUEST.UNSUPPORTED_CHARSET', 'REQUEST.UNSUPPORTED_ENCODING'],
  429: ['RATE_LIMIT.EXCEEDED'],
  500: ['INTERNAL'],
  503: ['CONNECTION.LIMIT'],
};

/** An operation that reads parameters, a query or a body validates them (shared/src/core/validation.ts). */
const WITH_INPUT: ErrorTable = {
  400: ['REQUEST.VALIDATION_FAILED', 'REQUEST.OPERATOR_KEYS', 'REQUEST.INVALID_ID'],
};

/** A token, when one is needed or sent, is checked by the gateway and again by the service. */
const WITH_TOKEN: ErrorTable = {
  401: ['AUTH.UNAUTHORIZED', 'AUTH.TOKEN_INVALID', 'AUTH.TOKEN_EXPIRED'],
};

const WITH_ROLES: ErrorTable = { 403: ['AUTH.FORBIDDEN'] };

/** What the gateway answers for a service that failed, is down, or is slow (shared/src/core/upstream-errors.ts). */
const PROXIED: ErrorTable = {
  502: ['UPSTREAM.ERROR', 'UPSTREAM.INVALID_RESPONSE'],
  503: ['UPSTREAM.UNAVAILABLE', 'UPSTREAM.CIRCUIT_OPEN'],
  504: ['UPSTREAM.TIMEOUT'],
};

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is invalid',
  401: 'No token, or the token is invalid or expired',
  403: 'The token does not allow this',
  404: 'Not found (or not visible to the caller)',
  409: 'Conflicts with the current state',
  411: 'A body was sent without Content-Length',
  413: 'The body is larger than the gateway accepts',
  415: 'The body is not UTF-8 JSON',
  422: 'Well-formed, but refers to something that cannot be used',
  426: 'Only a WebSocket upgrade is accepted here',
  429: 'A rate limit was reached; see Retry-After',
  500: 'An unexpected error',
  502: 'A service answered with an error or an invalid answer',
  503: 'A service, or the gateway, cannot take the request now; see Retry-After',
  504: 'A service did not answer in time',
};

/** Response headers, as `components.headers`; responses refer to them. */
const HEADERS = {
  'X-Request-Id': {
    required: true,
    description: "The request's id: the caller's own if it sent a valid one, else one made by the gateway",
    schema: { type: 'string' },
  },
  RateLimit: {
    description: 'The remaining quota of the tightest limit applied (IETF RateLimit header draft 8)',
    schema: { type: 'string' },
  },
  'RateLimit-Policy': { description: 'The limits applied to this request (draft 8)', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'string', pattern: '^\\d+$' } },
  Location: { description: 'The path of the created or found resource', schema: { type: 'string' } },
  'Idempotent-Replayed': {
    description: 'Present when the answer replays an earlier request with the same Idempotency-Key',
    schema: { type: 'string', const: 'true' },
  },
  ETag: {
    description:
      'A tag of this representation (product reads: a strong one, which changes with any byte, stock included); send it back in If-None-Match to get 304 while it is unchanged',
    schema: { type: 'string', pattern: '^(W/)?"[\\x21\\x23-\\x7e]*"$' },
  },
  'Cache-Control': {
    description: 'How long any cache may keep this answer (a catalogue read: public, about a second, then revalidated)',
    schema: { type: 'string' },
  },
  'X-Cache': {
    description:
      '`HIT` when the gateway answered from its micro-cache without asking the service (the answer is at most a second old), `MISS` when the service was asked; absent on reads with a token, which never use it',
    schema: { type: 'string', pattern: '^(HIT|MISS)$' },
  },
} as const;

function merge(...tables: ErrorTable[]): Map<number, string[]> {
  const merged = new Map<number, string[]>();
  for (const table of tables) {
    for (const [status, codes] of Object.entries(table)) {
      const list = merged.get(Number(status)) ?? [];
      for (const code of codes ?? []) if (!list.includes(code)) list.push(code);
      merged.set(Number(status), list);
    }
  }
  return merged;
}

function responseHeaders(extra: readonly (keyof typeof HEADERS)[]) {
  const names = ['X-Request-Id', 'RateLimit', 'RateLimit-Policy', ...extra] as const;
  return Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
}

function successResponse(response: SuccessResponse) {
  return {
    description: response.description,
    headers: responseHeaders(response.headers ?? []),
    ...(response.body === undefined
      ? {}
      : { content: { [response.contentType ?? 'application/json']: { schema: response.body } } }),
    ...(response.links === undefined ? {} : { links: response.links }),
  };
}

function errorResponse(status: number, codes: string[]) {
  const retryAfter = status === 429 || status === 503 || codes.some((code) => code.endsWith('IN_PROGRESS'));
  return {
    description: `${STATUS_TEXT[status] ?? 'Error'}. Codes: ${codes.join(', ')}`,
    headers: responseHeaders(retryAfter ? ['Retry-After'] : []),
    content: {
      'application/problem+json': {
        schema: {
          allOf: [
            { $ref: '#/components/schemas/Problem' },
            { type: 'object' as const, properties: { status: { const: status }, code: { enum: codes } } },
          ],
        },
      },
    },
  };
}

/** `/api/orders/:id` → `/api/orders/{id}`. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}

function describeAccess({ operation, access }: PublishedOperation): string {
  const who =
    access === 'anonymous'
      ? 'Anyone, without a token.'
      : access === 'optional-token'
        ? 'Anyone; a token, if sent, must be valid.'
        : operation.roles === undefined
          ? 'Any valid token.'
          : `A token with role ${operation.roles.join(' or ')}.`;
  return [operation.description, `**Who:** ${who}`].filter(Boolean).join('\n\n');
}

/**
 * Error answers as `components.responses`, one per distinct status and code list, so the many
 * operations that answer the same errors share one definition.
 */
class SharedResponses {
  readonly byName: Record<string, ReturnType<typeof errorResponse>> = {};
  private readonly names = new Map<string, string>();

  refer(status: number, codes: string[]): { $ref: string } {
    const key = `${status} ${codes.join(' ')}`;
    let name = this.names.get(key);
    if (name === undefined) {
      const base = (STATUS_CODES[status] ?? `Status${status}`).replace(/[^A-Za-z]/g, '');
      const taken = Object.keys(this.byName).filter((existing) => existing.replace(/\d+$/, '') === base).length;
      name = taken === 0 ? base : `${base}${taken + 1}`;
      this.names.set(key, name);
      this.byName[name] = errorResponse(status, codes);
    }
    return { $ref: `#/components/responses/${name}` };
  }
}

function toOperationObject(published: PublishedOperation, shared: SharedResponses): ZodOpenApiOperationObject {
  const { operation, access, proxied } = published;
  const hasInput = [operation.params, operation.query, operation.body, operation.headers].some(Boolean);
  const errors = merge(
    EVERY_OPERATION,
    hasInput ? WITH_INPUT : {},
    access === 'anonymous' ? {} : WITH_TOKEN,
    operation.roles === undefined ? {} : WITH_ROLES,
    proxied ? PROXIED : {},
    operation.errors ?? {},
  );
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, response] of Object.entries(operation.responses)) {
    if (response !== undefined) responses[status as `2${string}`] = successResponse(response);
  }
  for (const [status, codes] of [...errors].sort(([a], [b]) => a - b)) {
    responses[String(status) as `4${string}`] = shared.refer(status, codes);
  }
  return {
    operationId: operation.operationId,
    tags: [operation.tag],
    summary: operation.summary,
    description: describeAccess(published),
    ...(access === 'token' ? { security: [{ bearer: [] }] } : {}),
    ...(access === 'optional-token' ? { security: [{}, { bearer: [] }] } : {}),
    ...(access === 'anonymous' ? { security: [] } : {}),
    ...(operation.roles === undefined ? {} : { 'x-roles': operation.roles }),
    requestParams: {
      ...(operation.params === undefined ? {} : { path: operation.params }),
      ...(operation.query === undefined ? {} : { query: operation.query as z.ZodObject }),
      header: z.object({
        // Any value is accepted (one that does not match is replaced, not refused), so no pattern here:
        // a schema-violating value would have to be refused.
        'X-Request-Id': z
          .string()
          .optional()
          .meta({
            description: `A request id to use instead of one made by the gateway; one not matching ${ACCEPTABLE_REQUEST_ID.source} is replaced`,
          }),
        ...(operation.headers?.shape ?? {}),
      }),
    },
    ...(operation.body === undefined
      ? {}
      : { requestBody: { required: true, content: { 'application/json': { schema: operation.body } } } }),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of the public API: the services' own operations as the gateway
 * publishes them, each with every status it can answer. Deterministic: the same input gives
 * the same document, byte for byte once serialised.
 */
export function buildApiDocument(info: ApiInfo, operations: readonly PublishedOperation[]): ApiDocument {
  const paths: Record<string, Record<string, ZodOpenApiOperationObject>> = {};
  const shared = new SharedResponses();
  for (const published of operations) {
    const path = toOpenApiPath(published.path);
    const item = (paths[path] ??= {});
    if (item[published.operation.method] !== undefined)
      throw new Error(`Two operations for ${published.operation.method.toUpperCase()} ${path}`);
    item[published.operation.method] = toOperationObject(published, shared);
  }
  return createDocument({
    openapi: '3.1.0',
    info: { ...info },
    servers: [{ url: '/', description: 'The gateway that serves this document' }],
    tags: [...new Set(operations.map(({ operation }) => operation.tag))].map((name) => ({ name })),
    components: {
      schemas: { Problem: PROBLEM },
      headers: HEADERS,
      responses: shared.byName,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The `token` of a session from /api/auth/login, /api/auth/register or /api/auth/refresh',
        },
      },
    },
    paths,
  });
}

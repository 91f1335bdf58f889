import { z } from 'zod';

/** The roles a token can carry, as the API documents them. */
export type ApiRole = 'user' | 'admin';

/** A response header an operation may set beyond the ones every answer carries. */
export type OperationHeader = 'Location' | 'Idempotent-Replayed' | 'Retry-After' | 'ETag' | 'Cache-Control' | 'X-Cache';

export interface SuccessResponse {
  description: string;
  /** Absent: no body (204, 101). */
  body?: z.ZodType;
  /** Defaults to `application/json`. */
  contentType?: string;
  headers?: readonly OperationHeader[];
  /**
   * OpenAPI links: a value of this answer that another operation takes, e.g. a created
   * product's id for `getProduct`. Runtime expressions as in the OpenAPI spec.
   */
  links?: Record<string, { operationId: string; parameters?: Record<string, string>; requestBody?: unknown }>;
}

/**
 * One operation of a service's public API, declared next to its routes from the same zod schemas
 * the route validates with. `path` is the service's own (`/orders/:id`); the gateway publishes it
 * under `/api`. Errors every route can answer (validation, auth, limits, upstream) are added by
 * the document builder; `errors` lists the operation's own, by status.
 */
export interface ServiceOperation {
  operationId: string;
  method: 'get' | 'post' | 'patch';
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Roles allowed, when the operation is not open to every caller it admits. */
  roles?: readonly ApiRole[];
  params?: z.ZodObject;
  query?: z.ZodType;
  headers?: z.ZodObject;
  body?: z.ZodType;
  responses: Partial<Record<number, SuccessResponse>>;
  errors?: Partial<Record<number, readonly string[]>>;
}

/** What `toISOString()` writes. */
export const isoDateTimeSchema = z.iso.datetime();

/** A decimal amount of money with at most two decimal places, as the API speaks it. */
export const moneySchema = z.number().meta({ description: 'A decimal amount with at most two decimal places' });

/** The page every list operation answers with. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.strictObject({
    items: z.array(item),
    page: z.number().int().min(1),
    limit: z.number().int().min(1),
    total: z.number().int().min(0),
    totalPages: z.number().int().min(0),
  });
}

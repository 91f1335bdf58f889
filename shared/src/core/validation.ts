import type { Request } from 'express';
import { z } from 'zod';
import { ValidationError, type FieldError } from './errors.js';

/** A MongoDB ObjectId in its 24-hex-digit form. */
export const objectIdSchema = z.string().regex(/^[a-f\d]{24}$/i, 'must be a 24-character hexadecimal id');

/** `page` and `limit` query parameters shared by every list endpoint. */
export const paginationShape = {
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
};

export interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  total: number;
  totalPages: number;
}

export function toPage<T>(items: T[], total: number, page: number, limit: number): Page<T> {
  return { items, page, limit, total, totalPages: Math.ceil(total / limit) };
}

type Location = 'body' | 'query' | 'params';

const MAX_DEPTH = 32;

/**
 * Finds keys that MongoDB would read as operators (`$gt`, or `a[$gt]` from a query string), and
 * refuses nesting deeper than any of our schemas uses. Iterative, so no input can overflow the stack.
 */
function findOperatorKeys(value: unknown): FieldError[] {
  const found: FieldError[] = [];
  const pending: { node: unknown; path: string[] }[] = [{ node: value, path: [] }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { node, path } = item;
    if (node === null || typeof node !== 'object') continue;
    if (path.length > MAX_DEPTH) {
      found.push({ path: path.join('.'), message: `nesting deeper than ${MAX_DEPTH} levels is not allowed` });
      continue;
    }
    for (const [key, child] of Object.entries(node)) {
      const childPath = [...path, key];
      if (key.startsWith('$') || key.includes('[$'))
        found.push({ path: childPath.join('.'), message: 'keys starting with "$" are not allowed' });
      pending.push({ node: child, path: childPath });
    }
  }
  return found;
}

function parse<T extends z.ZodType>(schema: T, value: unknown, location: Location): z.output<T> {
  const operatorKeys = findOperatorKeys(value);
  if (operatorKeys.length > 0) {
    throw new ValidationError(
      `The request ${location} contains operator keys or nesting that is not allowed`,
      operatorKeys,
      'REQUEST.OPERATOR_KEYS',
    );
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const errors = result.error.issues.map((issue) => ({
      path: [location, ...issue.path.map(String)].join('.'),
      message: issue.message,
    }));
    throw new ValidationError(`The request ${location} is invalid`, errors);
  }
  return result.data;
}

export function parseBody<T extends z.ZodType>(req: Request, schema: T): z.output<T> {
  // express.json leaves the body undefined when none was sent; validate it as an empty object
  // so a missing body gets the same field-by-field answer as an empty one.
  return parse(schema, req.body ?? {}, 'body');
}

export function parseQuery<T extends z.ZodType>(req: Request, schema: T): z.output<T> {
  return parse(schema, req.query, 'query');
}

export function parseParams<T extends z.ZodType>(req: Request, schema: T): z.output<T> {
  return parse(schema, req.params, 'params');
}

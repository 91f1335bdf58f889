import type { Request } from 'express';
import { z } from 'zod';
import { ValidationError, type FieldError } from './errors.js';

/** A MongoDB ObjectId in its 24-hex-digit form, either case (no `i` flag: JSON Schema's `pattern` would lose it). */
export const objectIdSchema = z.string().regex(/^[a-fA-F\d]{24}$/, 'must be a 24-character hexadecimal id');

/**
 * What `String.prototype.trim()` (and so zod's `.trim()`) removes, as a regex class that reads
 * the same in ECMAScript and in Python (`\s` does not), for JSON Schema patterns in the document.
 */
const TRIMMED = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
export const TRIMMED_WHITESPACE = `[${TRIMMED}]`;

/**
 * Text a person types (a name, a category): surrounding whitespace is dropped and 1 to `max`
 * characters must be left. The value as sent is bounded by `max` too, and must hold something
 * other than whitespace, so the OpenAPI document (which sees the value as sent) states exactly
 * what is accepted.
 */
export function textSchema(max: number) {
  return z
    .string()
    .max(max)
    .trim()
    .min(1)
    .meta({ override: { pattern: `[^${TRIMMED}]` } });
}

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

import { STATUS_CODES } from 'node:http';

export interface FieldError {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  cause?: unknown;
  /** Field-level problems, sent as `errors[]` in the problem body. */
  errors?: FieldError[];
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  /** Extension members for the problem body (must not contain internals). */
  extensions?: Record<string, unknown>;
}

/**
 * The one error type every service throws. `code` is stable and survives a hop
 * between services (it travels in the problem body); `instanceof` does not.
 */
export class AppError extends Error {
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }
}

export class ValidationError extends AppError {
  constructor(message: string, errors: FieldError[] = [], code = 'REQUEST.VALIDATION_FAILED') {
    super(code, 400, message, { errors });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'A valid bearer token is required', code = 'AUTH.UNAUTHORIZED') {
    super(code, 401, message, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this', code = 'AUTH.FORBIDDEN') {
    super(code, 403, message);
  }
}

export class NotFoundError extends AppError {
  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(code, 404, message, options);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(code, 409, message, options);
  }
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export function toProblem(error: AppError, requestId: string | undefined): ProblemDetails {
  return {
    ...error.extensions,
    type: `urn:shop:problem:${error.code}`,
    title: STATUS_CODES[error.status] ?? 'Error',
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(requestId === undefined ? {} : { requestId }),
    ...(error.errors === undefined ? {} : { errors: error.errors }),
  };
}

const DUPLICATE_KEY = 11000;

/**
 * A unique index refused a write. Checked by MongoDB's error code, which survives duplicate
 * driver copies and needs no driver here (the error handler uses it without loading mongoose).
 */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === DUPLICATE_KEY;
}

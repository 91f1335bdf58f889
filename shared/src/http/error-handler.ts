import { parse as parseContentType } from 'content-type';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, NotFoundError, isDuplicateKeyError, toProblem } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { getRequestId } from '../core/request-context.js';
import { loggablePath } from './loggable-path.js';

interface HttpLikeError {
  status?: unknown;
  type?: unknown;
}

// Errors raised by body-parser carry a `type`; map each to a stable code and a clear message.
const BODY_PARSER_ERRORS: Record<string, [number, string, string]> = {
  'entity.parse.failed': [400, 'REQUEST.MALFORMED_JSON', 'The request body is not valid JSON'],
  'entity.too.large': [413, 'REQUEST.TOO_LARGE', 'The request body is too large'],
  'encoding.unsupported': [415, 'REQUEST.UNSUPPORTED_ENCODING', 'The request body encoding is not supported'],
  'charset.unsupported': [415, 'REQUEST.UNSUPPORTED_CHARSET', 'The request body charset is not supported'],
  'request.aborted': [400, 'REQUEST.ABORTED', 'The request was aborted'],
  'request.size.invalid': [400, 'REQUEST.SIZE_INVALID', 'The request body size does not match Content-Length'],
};

/** Turns anything thrown into an AppError; unknown errors become a 500 that reveals nothing. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  // Matched by name, not instanceof, so a second copy of mongoose cannot turn it into a 500.
  if (error instanceof Error && error.name === 'CastError') {
    return new AppError('REQUEST.INVALID_ID', 400, 'A value in the request has the wrong type for its field');
  }
  if (isDuplicateKeyError(error)) {
    return new AppError('RESOURCE.DUPLICATE', 409, 'A resource with the same unique value already exists');
  }
  const { type, status } = (error ?? {}) as HttpLikeError;
  const known = typeof type === 'string' ? BODY_PARSER_ERRORS[type] : undefined;
  if (known !== undefined) return new AppError(known[1], known[0], known[2], { cause: error });
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError('REQUEST.INVALID', status, 'The request could not be processed', { cause: error });
  }
  return new AppError('INTERNAL', 500, 'An unexpected error occurred', { cause: error });
}

/** The request announced a body that has not been read (the error came first). */
function hasUnreadBody(req: Parameters<ErrorRequestHandler>[1]): boolean {
  const announced = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  return announced && !req.complete;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const appError = toAppError(error);
    const path = loggablePath(req.originalUrl);
    if (error instanceof AppError && appError.status >= 500) {
      // A deliberate answer (an upstream down, a cap reached): said, without a stack trace per request.
      const cause = appError.cause instanceof Error ? appError.cause.message : undefined;
      logger.warn({ code: appError.code, status: appError.status, cause, method: req.method, path }, appError.message);
    } else if (appError.status >= 500) {
      logger.error({ err: error, method: req.method, path }, 'request failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A body nobody will read (a 4 GB Content-Length after a 413) is not drained to keep the
    // connection, and a client over a rate limit pays for a new connection per attempt instead of
    // pipelining thousands of cheap refusals down one.
    if (hasUnreadBody(req) || appError.status === 429) res.setHeader('Connection', 'close');
    res
      .status(appError.status)
      .set(appError.headers)
      .type('application/problem+json')
      .send(JSON.stringify(toProblem(appError, getRequestId())));
  };
}

/**
 * A body announced larger than `limit` is refused with 413 before a byte of it is read (and the
 * connection then closed), instead of being read, or drained, to the end first.
 */
export function refuseOversizedBody(limit: number, onRefused?: () => void): RequestHandler {
  return (req, _res, next) => {
    const length = req.headers['content-length'];
    if (length !== undefined && Number(length) > limit) {
      onRefused?.();
      next(new AppError('REQUEST.TOO_LARGE', 413, `The request body is larger than ${limit} bytes`));
      return;
    }
    next();
  };
}

export const routeNotFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError('ROUTE.NOT_FOUND', `No route for ${req.method} ${req.path}`));
};

/**
 * The charset exactly as the body parser will read it: the same `content-type` parser
 * body-parser uses, so no header (a quoted `"; charset=…"` in another parameter, say) can read
 * as UTF-8 here and as something else there. A header it cannot parse is refused.
 */
function charsetOf(header: string | undefined): string | undefined | Error {
  if (header === undefined) return undefined;
  try {
    return parseContentType(header).parameters.charset?.toLowerCase();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * Bodies must be JSON, in UTF-8: anything else is a 415 rather than a silently empty body, and a
 * second charset (UTF-7, UTF-16, Latin-1) would let the gateway and a service read different
 * text from the same bytes (an email spelled two ways escapes a per-email limit).
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody) return next();
  if (!req.is('application/json')) {
    next(new AppError('REQUEST.UNSUPPORTED_MEDIA_TYPE', 415, 'The request body must be application/json'));
    return;
  }
  const charset = charsetOf(req.headers['content-type']);
  if (charset instanceof Error) {
    next(new AppError('REQUEST.UNSUPPORTED_MEDIA_TYPE', 415, 'The Content-Type header cannot be parsed'));
    return;
  }
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    next(new AppError('REQUEST.UNSUPPORTED_CHARSET', 415, 'JSON bodies must be UTF-8 (charset=utf-8 or no charset)'));
    return;
  }
  next();
};

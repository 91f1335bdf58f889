import { AppError } from '@shop/shared/core';

export interface RequestTarget {
  /** The path exactly as sent, which is also its one canonical form. */
  path: string;
  /** Everything from `?` on (empty when absent), forwarded untouched. */
  search: string;
}

export class BadPathError extends AppError {
  constructor(reason: string) {
    super('REQUEST.BAD_PATH', 400, `The request path is not in canonical form: ${reason}`);
  }
}

// Unreserved characters only (RFC 3986), not starting with a dot: no percent-encoding, no `;`,
// no `.`/`..` segments, nothing another parser could read differently from us.
const SEGMENT = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/;

/**
 * The gateway routes, authorises, rate-limits and proxies on one reading of the path. Rather
 * than normalise (and risk a later step normalising differently), anything with a second
 * possible reading is refused: empty segments (`//`, a trailing `/`), dot segments, any
 * percent-encoding (`%6c`, `%2F`, `%2e`), `;` parameters, backslashes, absolute-form targets.
 * Every path of the public API is plain ASCII words and ids, so no client needs more.
 */
export function parseRequestTarget(rawUrl: string): RequestTarget {
  const queryAt = rawUrl.indexOf('?');
  const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const search = queryAt === -1 ? '' : rawUrl.slice(queryAt);
  if (!path.startsWith('/')) throw new BadPathError('it must start with "/"');
  if (path === '/') return { path, search };
  if (path.length > 512) throw new BadPathError('it is too long');
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') throw new BadPathError('empty segments ("//" or a trailing "/") are not allowed');
    if (!SEGMENT.test(segment))
      throw new BadPathError(
        'a segment has characters other than A-Z, a-z, 0-9, "-", "_", "~", "." or starts with "."',
      );
  }
  return { path, search };
}

// Query parameters whose values are credentials: kept out of logs whatever the route does with them.
const SECRET_PARAMETER = /token|secret|password|passwd|key|auth|signature|session|code/i;

/**
 * A request target as logs may show it: the path, and the query with the value of any parameter
 * named like a credential replaced (`?access_token=[redacted]`). A client may put a token in the
 * query even where no route reads it, and a log is read by more people than the token's owner.
 */
export function loggablePath(originalUrl: string): string {
  const queryAt = originalUrl.indexOf('?');
  if (queryAt === -1) return originalUrl;
  const query = originalUrl
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // an undecodable name is judged as written
      }
      return equals !== -1 && SECRET_PARAMETER.test(decoded) ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${originalUrl.slice(0, queryAt)}?${query}`;
}

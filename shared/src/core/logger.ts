import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { getRequestId, getTraceContext } from './request-context.js';

export type { Logger };

/**
 * A JSON logger to `destination` (stdout by default); every line written inside a request
 * carries its `requestId` and `traceId`.
 */
export function createLogger(
  service: string,
  level: LevelWithSilent = 'info',
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service },
      mixin() {
        const requestId = getRequestId();
        const traceId = getTraceContext()?.traceId;
        // pino merges the line's own fields into this object, so it is a new one each time.
        return requestId === undefined ? {} : { requestId, traceId };
      },
      redact: {
        paths: ['password', '*.password', 'passwordHash', '*.passwordHash', 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

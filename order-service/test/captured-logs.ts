import { Writable } from 'node:stream';
import { getRequestId, type Logger } from '@shop/shared/core';
import { pino } from 'pino';

/**
 * A logger that keeps the lines the app writes at warn and above, parsed; the mixin adds the
 * request id the way the service's logger does.
 */
export function captureLogs(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'warn', mixin: () => ({ requestId: getRequestId() }) },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    }),
  );
  return { logger, lines };
}

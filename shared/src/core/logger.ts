import { pino, type Logger, type LevelWithSilent } from 'pino';
import { getRequestId } from './request-context.js';

export type { Logger };

export function createLogger(service: string, level: LevelWithSilent = 'info'): Logger {
  return pino({
    level,
    base: { service },
    mixin() {
      const requestId = getRequestId();
      return requestId === undefined ? {} : { requestId };
    },
    redact: {
      paths: ['password', '*.password', 'passwordHash', '*.passwordHash', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}

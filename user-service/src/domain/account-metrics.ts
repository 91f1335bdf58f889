import { AccountLockedError, InvalidCredentialsError, UserDisabledError } from './user.errors.js';

/**
 * How a login ended, in a fixed set. A wrong password and an unknown email are one outcome, as
 * they are one answer: the metric must not tell them apart either.
 */
export type LoginOutcome = 'success' | 'invalid_credentials' | 'locked' | 'disabled' | 'error';

export function loginOutcome(error: unknown): LoginOutcome {
  if (error instanceof AccountLockedError) return 'locked';
  if (error instanceof UserDisabledError) return 'disabled';
  if (error instanceof InvalidCredentialsError) return 'invalid_credentials';
  return 'error';
}

/** What user-service reports about accounts (the port; `../metrics.ts` is the Prometheus side). */
export interface AccountMetrics {
  registered(): void;
  loginAttempted(outcome: LoginOutcome): void;
}

import { loginOutcome, type AccountMetrics } from './account-metrics.js';
import { verifyPassword } from './password.js';
import { startSession, type Session, type SessionDeps } from './session.js';
import { AccountLockedError, InvalidCredentialsError, UserDisabledError } from './user.errors.js';
import type { LoginLimits, UserStore } from './user.js';
import type { LoginInput } from './user.schemas.js';

export type LogInDeps = SessionDeps & { users: UserStore; loginLimits: LoginLimits; accountMetrics: AccountMetrics };

/** Signs a user in, and counts how the attempt ended. */
export async function logIn(deps: LogInDeps, input: LoginInput, now = new Date()): Promise<Session> {
  try {
    const session = await checkCredentials(deps, input, now);
    deps.accountMetrics.loginAttempted('success');
    return session;
  } catch (error) {
    deps.accountMetrics.loginAttempted(loginOutcome(error));
    throw error;
  }
}

async function checkCredentials(deps: LogInDeps, input: LoginInput, now: Date): Promise<Session> {
  const credentials = await deps.users.findCredentialsByEmail(input.email);
  // Checked before the password, so a locked account costs no argon2 and the right password
  // gets the same 429 as a wrong one.
  if (credentials?.lockedUntil != null && credentials.lockedUntil > now) {
    throw new AccountLockedError(Math.ceil((credentials.lockedUntil.getTime() - now.getTime()) / 1000));
  }
  // Every attempt is counted as a failure before the (slow) password check and forgotten again
  // on success: guesses sent all at once cannot each be checked before the first failure is
  // recorded. The attempt after the limit locks the account without a check.
  if (credentials !== null) {
    const lockedUntil = await deps.users.countLoginAttempt(credentials.user.id, deps.loginLimits, now);
    if (lockedUntil !== null) throw new AccountLockedError(Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
  }
  // Runs argon2 even for an unknown email, so response time does not tell which it was.
  const isValid = await verifyPassword(credentials?.passwordHash, input.password);
  if (credentials === null || !isValid) throw new InvalidCredentialsError();
  await deps.users.clearLoginFailures(credentials.user.id);
  // Only after the password check: a guesser learns nothing from it.
  if (credentials.user.disabled) throw new UserDisabledError();
  return startSession(deps, credentials.user);
}

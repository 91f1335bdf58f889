import { verifyPassword } from './password.js';
import { startSession, type Session, type SessionDeps } from './session.js';
import { AccountLockedError, InvalidCredentialsError, UserDisabledError } from './user.errors.js';
import type { LoginLimits, UserStore } from './user.js';
import type { LoginInput } from './user.schemas.js';

export type LogInDeps = SessionDeps & { users: UserStore; loginLimits: LoginLimits };

export async function logIn(deps: LogInDeps, input: LoginInput, now = new Date()): Promise<Session> {
  const credentials = await deps.users.findCredentialsByEmail(input.email);
  // Checked before the password, so a locked account costs no argon2 and the right password
  // gets the same 429 as a wrong one.
  if (credentials?.lockedUntil != null && credentials.lockedUntil > now) {
    throw new AccountLockedError(Math.ceil((credentials.lockedUntil.getTime() - now.getTime()) / 1000));
  }
  // Runs argon2 even for an unknown email, so response time does not tell which it was.
  const isValid = await verifyPassword(credentials?.passwordHash, input.password);
  if (credentials === null || !isValid) {
    // Timed from now, not from the request's start: argon2 may have taken a while under load.
    if (credentials !== null) await deps.users.recordLoginFailure(credentials.user.id, deps.loginLimits, new Date());
    throw new InvalidCredentialsError();
  }
  // Only after the password check: a guesser learns nothing from it.
  if (credentials.user.disabled) throw new UserDisabledError();
  if (credentials.hasLoginFailures) await deps.users.clearLoginFailures(credentials.user.id);
  return startSession(deps, credentials.user);
}

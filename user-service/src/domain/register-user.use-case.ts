import type { AccountMetrics } from './account-metrics.js';
import { hashPassword } from './password.js';
import { startSession, type Session, type SessionDeps } from './session.js';
import type { UserStore } from './user.js';
import type { RegisterInput } from './user.schemas.js';

/**
 * Creates a plain `user` account and signs the caller in. A duplicate email surfaces as
 * EmailTakenError from the unique index, so two concurrent sign-ups cannot both win.
 */
export async function registerUser(
  deps: SessionDeps & { users: UserStore; accountMetrics: AccountMetrics },
  input: RegisterInput,
): Promise<Session> {
  const passwordHash = await hashPassword(input.password);
  const user = await deps.users.create({ name: input.name, email: input.email, passwordHash, role: 'user' });
  deps.accountMetrics.registered();
  return startSession(deps, user);
}

import { hashPassword } from './password.js';
import { startSession, type IssueToken, type Session } from './session.js';
import type { UserStore } from './user.js';
import type { RegisterInput } from './user.schemas.js';

/**
 * Creates a plain `user` account and signs the caller in. A duplicate email surfaces as
 * EmailTakenError from the unique index, so two concurrent sign-ups cannot both win.
 */
export async function registerUser(deps: { users: UserStore; issueToken: IssueToken }, input: RegisterInput): Promise<Session> {
  const passwordHash = await hashPassword(input.password);
  const user = await deps.users.create({ name: input.name, email: input.email, passwordHash, role: 'user' });
  return startSession(user, deps.issueToken);
}

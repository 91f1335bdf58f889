import { verifyPassword } from './password.js';
import { startSession, type IssueToken, type Session } from './session.js';
import { InvalidCredentialsError } from './user.errors.js';
import type { UserStore } from './user.js';
import type { LoginInput } from './user.schemas.js';

export async function logIn(deps: { users: UserStore; issueToken: IssueToken }, input: LoginInput): Promise<Session> {
  const credentials = await deps.users.findCredentialsByEmail(input.email);
  // Runs argon2 even for an unknown email, so response time does not tell which it was.
  const isValid = await verifyPassword(credentials?.passwordHash, input.password);
  if (credentials === null || !isValid) throw new InvalidCredentialsError();
  return startSession(credentials.user, deps.issueToken);
}

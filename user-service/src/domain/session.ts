import type { SignedToken } from '@shop/shared';
import type { User } from './user.js';

/** Signs an access token for a user; built from config in app.ts so use cases stay testable. */
export type IssueToken = (user: Pick<User, 'id' | 'role'>) => SignedToken;

export interface Session {
  user: User;
  token: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export function startSession(user: User, issueToken: IssueToken): Session {
  const { token, expiresIn } = issueToken(user);
  return { user, token, tokenType: 'Bearer', expiresIn };
}

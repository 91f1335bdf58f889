/** Roles an account can hold; `service` exists only in tokens other services carry. */
export const userRoles = ['user', 'admin'] as const;
export type UserRole = (typeof userRoles)[number];

/** An account as the rest of the service sees it: never the password hash. */
export interface User {
  id: string;
  name: string;
  email: string;
  role: UserRole;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  name: string;
  /** Already normalized with `normalizeEmail`. */
  email: string;
  passwordHash: string;
  role: UserRole;
}

export interface UserCredentials {
  user: User;
  passwordHash: string;
}

/** What the use cases need from storage; data-access/user.repository.ts implements it. */
export interface UserStore {
  /** Throws EmailTakenError when the email is already used (any case). */
  create(user: NewUser): Promise<User>;
  findById(id: string): Promise<User | null>;
  findByEmail(email: string): Promise<User | null>;
  /** The only way to read a password hash: for login, never for a response. */
  findCredentialsByEmail(email: string): Promise<UserCredentials | null>;
  list(options: { page: number; limit: number }): Promise<{ items: User[]; total: number }>;
}

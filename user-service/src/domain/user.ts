/** Roles an account can hold; `service` exists only in tokens other services carry. */
export const userRoles = ['user', 'admin'] as const;
export type UserRole = (typeof userRoles)[number];

/** An account as the rest of the service sees it: never the password hash nor login counters. */
export interface User {
  id: string;
  name: string;
  email: string;
  role: UserRole;
  /** A disabled account cannot log in or refresh; set by an admin. */
  disabled: boolean;
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

/** What an admin may change on an account. */
export interface UserChanges {
  role?: UserRole;
  disabled?: boolean;
}

export interface UserCredentials {
  user: User;
  passwordHash: string;
  /** Set while failed logins have locked the account (may lie in the past once the lock is over). */
  lockedUntil: Date | null;
}

/** The per-account failed-login limit (LOGIN_* in config). */
export interface LoginLimits {
  maxFailures: number;
  failureWindowMs: number;
  lockoutMs: number;
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
  /** Applies the changes; null when no account has the id. */
  update(id: string, changes: UserChanges): Promise<User | null>;
  /**
   * Counts one login attempt as failed until proven otherwise (atomically, in a window of
   * `failureWindowMs`); when the count goes past `maxFailures`, locks the account for
   * `lockoutMs` and answers until when, else null.
   */
  countLoginAttempt(id: string, limits: LoginLimits, now: Date): Promise<Date | null>;
  /** Forgets failed logins and any lock, after a successful login. */
  clearLoginFailures(id: string): Promise<void>;
}

import { AppError, ConflictError, ForbiddenError, NotFoundError, UnauthorizedError } from '@shop/shared/core';

/** Also the answer for an account the caller may not read, so the two cannot be told apart. */
export class UserNotFoundError extends NotFoundError {
  constructor() {
    super('USER.NOT_FOUND', 'No user has this id');
  }
}

export class EmailTakenError extends ConflictError {
  constructor(options: { cause?: unknown } = {}) {
    super('USER.EMAIL_TAKEN', 'An account with this email already exists', options);
  }
}

/** One message for an unknown email and a wrong password, so neither is revealed. */
export class InvalidCredentialsError extends AppError {
  constructor() {
    super('AUTH.INVALID_CREDENTIALS', 401, 'The email or password is incorrect', {
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  }
}

/** Too many failed logins on this account: refused until the lock ends, whatever the password. */
export class AccountLockedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super('AUTH.ACCOUNT_LOCKED', 429, 'Too many failed logins for this account; try again later', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

/** Given only after the password was checked, so it tells nothing to someone guessing. */
export class UserDisabledError extends ForbiddenError {
  constructor() {
    super('This account is disabled', 'USER.DISABLED');
  }
}

export class InvalidRefreshTokenError extends UnauthorizedError {
  constructor() {
    super('The refresh token is invalid, expired or revoked', 'AUTH.REFRESH_INVALID');
  }
}

export class RefreshTokenReusedError extends UnauthorizedError {
  constructor() {
    super('The refresh token was already used; the session has been revoked', 'AUTH.REFRESH_REUSED');
  }
}

/** Keeps at least the acting admin able to administer: nobody can lock themselves out. */
export class SelfLockoutError extends ConflictError {
  constructor() {
    super('USER.SELF_LOCKOUT', 'An admin cannot disable or demote their own account; another admin must do it');
  }
}

import { AppError, ConflictError, NotFoundError } from '@shop/shared';

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
    super('AUTH.INVALID_CREDENTIALS', 401, 'The email or password is incorrect', { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}

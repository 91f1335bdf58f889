import type { Logger } from '@shop/shared/core';
import { normalizeEmail } from './email.js';
import { hashPassword } from './password.js';
import { EmailTakenError } from './user.errors.js';
import type { UserStore } from './user.js';

export const SEEDED_ADMIN_NAME = 'Administrator';

/**
 * Creates the first admin when no account has its email. An existing account is left as it
 * is, even a non-admin one: promoting it would hand admin rights to whoever registered first.
 */
export async function seedAdmin(
  deps: { users: UserStore; logger: Logger },
  seed: { email: string; password: string },
): Promise<void> {
  const email = normalizeEmail(seed.email);
  const existing = await deps.users.findByEmail(email);
  if (existing !== null) {
    if (existing.role === 'admin') deps.logger.info({ email }, 'admin account already exists');
    else
      deps.logger.warn(
        { email, role: existing.role },
        'ADMIN_EMAIL belongs to an account that is not an admin; left unchanged',
      );
    return;
  }
  const passwordHash = await hashPassword(seed.password);
  try {
    await deps.users.create({ name: SEEDED_ADMIN_NAME, email, passwordHash, role: 'admin' });
    deps.logger.info({ email }, 'admin account created');
  } catch (error) {
    // Another instance starting at the same moment created it first.
    if (!(error instanceof EmailTakenError)) throw error;
    deps.logger.info({ email }, 'admin account created by another instance');
  }
}

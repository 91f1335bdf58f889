import argon2 from 'argon2';

/** argon2id with the library's default cost (m=64 MiB, t=3, p=4). */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

// A hash with the same parameters as real ones, of a password nobody knows. Verifying
// against it when the email is unknown makes that answer take as long as a wrong password.
export const DUMMY_HASH =
  '$argon2id$v=19$m=65536,p=4,t=3$rQYQ7UhBF7+gw2/p36gVRw$qhH3/2vU5od2U6TObWPEvYR40IBnvYfb+fz0iduz6hQ';

export function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  return argon2.verify(passwordHash ?? DUMMY_HASH, password).then((matches) => matches && passwordHash !== undefined);
}

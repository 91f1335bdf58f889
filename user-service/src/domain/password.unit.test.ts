import { describe, expect, it } from 'vitest';
import { DUMMY_HASH, hashPassword, verifyPassword } from './password';

const parametersOf = (hash: string) => hash.split('$').slice(1, 4).join('$');

describe('password hashing', () => {
  it('when the password is the one hashed, it verifies; when it differs, it does not', async () => {
    const hash = await hashPassword('correct horse battery');

    expect(hash).toMatch(/^\$argon2id\$/);
    await expect(verifyPassword(hash, 'correct horse battery')).resolves.toBe(true);
    await expect(verifyPassword(hash, 'correct horse batterY')).resolves.toBe(false);
  });

  it('when there is no stored hash, it answers false, whatever the password', async () => {
    await expect(verifyPassword(undefined, 'correct horse battery')).resolves.toBe(false);
  });

  it('the dummy hash costs the same as a real one, so an unknown email is not faster to reject', async () => {
    expect(parametersOf(DUMMY_HASH)).toBe(parametersOf(await hashPassword('anything at all')));
  });
});

import argon2 from 'argon2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DUMMY_HASH, hashPassword, verifyPassword } from './password';

const parametersOf = (hash: string) => hash.split('$').slice(1, 4).join('$');

describe('password hashing', () => {
  it('when the password is the one hashed, it verifies; when it differs, it does not', async () => {
    const hash = await hashPassword('correct horse battery');

    expect(hash).toMatch(/^\$argon2id\$/);
    await expect(verifyPassword(hash, 'correct horse battery')).resolves.toBe(true);
    await expect(verifyPassword(hash, 'correct horse batterY')).resolves.toBe(false);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('when there is no stored hash, it answers false, whatever the password', async () => {
    await expect(verifyPassword(undefined, 'correct horse battery')).resolves.toBe(false);
  });

  it('when there is no stored hash, it still runs a full argon2 verification (against the dummy hash), so it takes as long as a wrong password', async () => {
    const verify = vi.spyOn(argon2, 'verify');

    await verifyPassword(undefined, 'correct horse battery');

    expect(verify).toHaveBeenCalledTimes(1);
    expect(verify).toHaveBeenCalledWith(DUMMY_HASH, 'correct horse battery');
  });

  it('the dummy hash costs the same as a real one, so an unknown email is not faster to reject', async () => {
    expect(parametersOf(DUMMY_HASH)).toBe(parametersOf(await hashPassword('anything at all')));
  });
});

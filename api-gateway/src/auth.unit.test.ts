import { signAccessToken, verifyAccessToken, type Principal } from '@shop/shared/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokenVerifier } from './auth';

// The real verification, counted: the cache is there so a repeated token costs no HMAC, which
// only the number of verifications can show.
vi.mock('@shop/shared/core', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@shop/shared/core')>();
  return { ...actual, verifyAccessToken: vi.fn(actual.verifyAccessToken) };
});
const verifications = vi.mocked(verifyAccessToken);
const actual = await vi.importActual<typeof import('@shop/shared/core')>('@shop/shared/core');

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const user = (id: string): Principal => ({ id, role: 'user' });
const codeOf = (act: () => unknown): string | undefined => {
  try {
    act();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

beforeEach(() => {
  verifications.mockClear();
});
afterEach(() => {
  verifications.mockImplementation(actual.verifyAccessToken);
  vi.useRealTimers();
});

describe('createTokenVerifier', () => {
  it('verifies a token once, then answers repeats of it from the cache with the same principal', () => {
    const verify = createTokenVerifier(SECRET);
    const { token } = signAccessToken(user('u-1'), SECRET, 3600);

    const answers = [verify(token), verify(token), verify(token)];

    expect(answers).toEqual([user('u-1'), user('u-1'), user('u-1')]);
    expect(verifications).toHaveBeenCalledTimes(1);
  });

  it('refuses a cached token from the very millisecond it expires, as if it had never been cached', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const verify = createTokenVerifier(SECRET);
    const { token } = signAccessToken(user('u-2'), SECRET, 60);
    expect(verify(token)).toEqual(user('u-2'));

    vi.setSystemTime(new Date('2030-01-01T00:00:59.999Z'));
    expect(verify(token)).toEqual(user('u-2'));
    vi.setSystemTime(new Date('2030-01-01T00:01:00Z'));
    expect(codeOf(() => verify(token))).toBe('AUTH.TOKEN_EXPIRED');
  });

  it('never caches a refused token: each attempt is verified and refused again', () => {
    const verify = createTokenVerifier(SECRET);
    const { token } = signAccessToken(user('u-3'), 'another-secret-that-is-at-least-32-bytes', 3600);

    expect(codeOf(() => verify(token))).toBe('AUTH.TOKEN_INVALID');
    expect(codeOf(() => verify(token))).toBe('AUTH.TOKEN_INVALID');
    expect(verifications).toHaveBeenCalledTimes(2);
  });

  it('holds at most 10 000 tokens: one more pushes out the oldest alone, which is then verified again', () => {
    // Verification itself is not under test here, and 10 001 HMACs would take seconds: every
    // token is taken as good, and only its payload's `exp` matters to the cache.
    verifications.mockImplementation((token) => user(token));
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const tokenFor = (n: number) => `${part({ alg: 'HS256' })}.${part({ sub: `u-${n}`, exp })}.sig`;
    const verify = createTokenVerifier(SECRET);
    for (let n = 0; n <= 10_000; n++) verify(tokenFor(n));
    expect(verifications).toHaveBeenCalledTimes(10_001);

    verify(tokenFor(1)); // the oldest still held
    verify(tokenFor(10_000)); // the newest
    expect(verifications).toHaveBeenCalledTimes(10_001);
    verify(tokenFor(0)); // pushed out by the 10 001st
    expect(verifications).toHaveBeenCalledTimes(10_002);
  });
});

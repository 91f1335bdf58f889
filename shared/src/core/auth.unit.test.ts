import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { serviceAuthorization, signAccessToken, verifyAccessToken } from './auth';
import { AppError } from './errors';

const secret = 'unit-test-secret-that-is-at-least-32-bytes';
const userId = 'a'.repeat(24);

/** A token signed with the right secret and algorithm, but with claims chosen by the test. */
function signRaw(claims: Record<string, unknown>, options: jwt.SignOptions = {}): string {
  return jwt.sign(claims, secret, { algorithm: 'HS256', ...options });
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof AppError) return `${error.status} ${error.code}`;
    throw error;
  }
}

describe('verifyAccessToken', () => {
  it('when the token is one signAccessToken issued, it answers its principal', () => {
    const { token } = signAccessToken({ id: userId, role: 'admin' }, secret, 900);

    expect(verifyAccessToken(token, secret)).toEqual({ id: userId, role: 'admin' });
  });

  it('when a correctly signed token has no exp, it is refused as invalid', () => {
    const token = signRaw({ role: 'admin' }, { subject: userId, issuer: 'shop' });

    expect(jwt.decode(token)).not.toHaveProperty('exp');
    expect(codeOf(() => verifyAccessToken(token, secret))).toBe('401 AUTH.TOKEN_INVALID');
  });

  it('when a correctly signed token has no iat, it is refused as invalid', () => {
    const token = signRaw(
      { role: 'user', exp: Math.floor(Date.now() / 1000) + 600 },
      { subject: userId, issuer: 'shop', noTimestamp: true },
    );

    expect(jwt.decode(token)).not.toHaveProperty('iat');
    expect(codeOf(() => verifyAccessToken(token, secret))).toBe('401 AUTH.TOKEN_INVALID');
  });

  it('when a correctly signed token has no iss or another issuer, it is refused as invalid', () => {
    const noIssuer = signRaw({ role: 'user' }, { subject: userId, expiresIn: 600 });
    const otherIssuer = signRaw({ role: 'user' }, { subject: userId, expiresIn: 600, issuer: 'someone-else' });

    expect(codeOf(() => verifyAccessToken(noIssuer, secret))).toBe('401 AUTH.TOKEN_INVALID');
    expect(codeOf(() => verifyAccessToken(otherIssuer, secret))).toBe('401 AUTH.TOKEN_INVALID');
  });

  it('when a correctly signed token claims to be issued in the future, it is refused as invalid', () => {
    const now = Math.floor(Date.now() / 1000);
    const token = signRaw({ role: 'user', iat: now + 3600, exp: now + 7200 }, { subject: userId, issuer: 'shop' });

    expect(codeOf(() => verifyAccessToken(token, secret))).toBe('401 AUTH.TOKEN_INVALID');
  });

  it('when the token is signed with another algorithm or secret, it is refused as invalid', () => {
    const hs512 = signRaw({ role: 'admin' }, { subject: userId, issuer: 'shop', expiresIn: 600, algorithm: 'HS512' });
    const otherSecret = signAccessToken({ id: userId, role: 'admin' }, `${secret}-other`, 600).token;

    expect(codeOf(() => verifyAccessToken(hs512, secret))).toBe('401 AUTH.TOKEN_INVALID');
    expect(codeOf(() => verifyAccessToken(otherSecret, secret))).toBe('401 AUTH.TOKEN_INVALID');
  });

  it('when the token has expired, it is refused as expired', () => {
    const { token } = signAccessToken({ id: userId, role: 'user' }, secret, -60);

    expect(codeOf(() => verifyAccessToken(token, secret))).toBe('401 AUTH.TOKEN_EXPIRED');
  });

  it('when another service calls with serviceAuthorization, its token is accepted with role service', () => {
    const header = serviceAuthorization('order-service', secret)();

    expect(verifyAccessToken(header.replace(/^Bearer /, ''), secret)).toEqual({ id: 'order-service', role: 'service' });
  });
});

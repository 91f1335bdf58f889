import argon2 from 'argon2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DUMMY_HASH } from '../src/domain/password';
import {
  buildRegistration,
  expectNoSecrets,
  expectProblem,
  startUserService,
  type UserServiceUnderTest,
} from './api-client';
import { unique } from '@shop/test-support';

let service: UserServiceUnderTest;
beforeAll(async () => {
  service = await startUserService();
});
afterAll(async () => {
  await service.close();
});

describe('POST /auth/login', () => {
  it('when the credentials are right, it answers 200 with a bearer token for that user', async () => {
    const { id, registration } = await service.registerUser();

    const res = await service.login({ email: registration.email, password: registration.password });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { id, email: registration.email, role: 'user', disabled: false },
    });
    // 256 random bits, base64url; a new session each login.
    expect(res.body.refreshToken).toMatch(/^[\w-]{43}$/);
    expect(res.body.refreshExpiresIn).toBe(30 * 86_400);
    expectNoSecrets(res.body);
    const me = await service.get('/users/me', { authorization: `Bearer ${res.body.token}` });
    expect(me.body.id).toBe(id);
  });

  it('when the email is typed in another case, the user still logs in', async () => {
    const { id, registration } = await service.registerUser();

    const res = await service.login({ email: registration.email.toUpperCase(), password: registration.password });

    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(id);
  });

  it('when the email is unknown, a full password verification still runs (against the dummy hash), so the answer is not faster than for a wrong password', async () => {
    const verify = vi.spyOn(argon2, 'verify');
    try {
      const res = await service.login({ email: `${unique('nobody')}@example.com`, password: 'correct horse battery' });

      expectProblem(res, 401, 'AUTH.INVALID_CREDENTIALS');
      expect(verify).toHaveBeenCalledWith(DUMMY_HASH, 'correct horse battery');
    } finally {
      verify.mockRestore();
    }
  });

  it('when the password is wrong or the email unknown, both answer 401 AUTH.INVALID_CREDENTIALS with the same message', async () => {
    const { registration } = await service.registerUser();

    const wrongPassword = await service.login({ email: registration.email, password: 'not the password' });
    const unknownEmail = await service.login({
      email: `${unique('nobody')}@example.com`,
      password: registration.password,
    });

    expectProblem(wrongPassword, 401, 'AUTH.INVALID_CREDENTIALS');
    expectProblem(unknownEmail, 401, 'AUTH.INVALID_CREDENTIALS');
    expect(unknownEmail.body.detail).toBe(wrongPassword.body.detail);
    expect(unknownEmail.body.token).toBeUndefined();
  });

  it('when the body has an extra field, it answers 400', async () => {
    const registration = buildRegistration();

    const res = await service.login({ email: registration.email, password: registration.password, remember: true });

    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
  });
});

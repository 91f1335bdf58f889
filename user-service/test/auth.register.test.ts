import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildRegistration,
  expectNoSecrets,
  expectProblem,
  startUserService,
  type UserServiceUnderTest,
} from './api-client';

let service: UserServiceUnderTest;
beforeAll(async () => {
  service = await startUserService();
});
afterAll(async () => {
  await service.close();
});

describe('POST /auth/register', () => {
  it('when the body is valid, it answers 201 with the user and a bearer token that works on /users/me', async () => {
    const registration = buildRegistration({ name: '  Grace Hopper  ' });

    const res = await service.register(registration);

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshToken: expect.stringMatching(/^[\w-]{43}$/),
      refreshExpiresIn: 30 * 86_400,
    });
    expect(res.body.user).toEqual({
      id: expect.stringMatching(/^[a-f\d]{24}$/),
      name: 'Grace Hopper',
      email: registration.email,
      role: 'user',
      disabled: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(new Date(res.body.user.createdAt).toISOString()).toBe(res.body.user.createdAt);
    const me = await service.get('/users/me', { authorization: `Bearer ${res.body.token}` });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(res.body.user);
  });

  it('when the email has capitals and spaces, it is stored trimmed and lowercased', async () => {
    const registration = buildRegistration();

    const res = await service.register({ ...registration, email: `  ${registration.email.toUpperCase()} ` });

    expect(res.status).toBe(201);
    expect(res.body.user.email).toBe(registration.email);
  });

  // Found by schemathesis: the route counted characters, the model UTF-16 units, so this was a 500.
  it('when the name is 100 characters outside the BMP (emoji, two UTF-16 units each), it answers 201 with that name', async () => {
    const name = '\u{1F600}'.repeat(100);

    const res = await service.register(buildRegistration({ name }));

    expect(res.status).toBe(201);
    expect(res.body.user.name).toBe(name);
  });

  it('when it succeeds, neither the response nor the user carries the password or its hash', async () => {
    const res = await service.register(buildRegistration());

    expect(res.status).toBe(201);
    expectNoSecrets(res.body);
  });

  it('when the email is already registered in another case, it answers 409 USER.EMAIL_TAKEN as problem+json', async () => {
    const registration = buildRegistration();
    await service.register(registration).expect(201);

    const res = await service.register({
      ...registration,
      email: registration.email.toUpperCase(),
      name: 'Someone Else',
    });

    expectProblem(res, 409, 'USER.EMAIL_TAKEN');
  });

  it('when two registrations with the same email race, exactly one answers 201 and the other 409', async () => {
    const registration = buildRegistration();

    const responses = await Promise.all([
      service.register(registration),
      service.register({ ...registration, email: registration.email.toUpperCase() }),
      service.register({ ...registration, email: ` ${registration.email}` }),
    ]);

    const statuses = responses.map((res) => res.status).sort();
    expect(statuses).toEqual([201, 409, 409]);
    const winner = responses.find((res) => res.status === 201);
    const stored = await service.users.findByEmail(registration.email);
    expect(stored?.id).toBe(winner?.body.user.id);
  });

  it('when the client sends a role, it answers 400 and no admin account is created', async () => {
    const registration = buildRegistration();

    const res = await service.register({ ...registration, role: 'admin' });

    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
    expect(await service.users.findByEmail(registration.email)).toBeNull();
  });

  it('when the password is shorter than 8 characters, it answers 400 naming the field', async () => {
    const res = await service.register(buildRegistration({ password: 'short' }));

    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'body.password' })]);
  });

  it('when the name is blank or the email is not an email, it answers 400 naming both fields', async () => {
    const res = await service.register(buildRegistration({ name: '   ', email: 'not-an-email' }));

    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
    const paths = (res.body.errors as { path: string }[]).map((error) => error.path).sort();
    expect(paths).toEqual(['body.email', 'body.name']);
  });

  // The API document bounds the name as sent (maxLength 100); schemathesis found a longer one accepted.
  it('when the name as sent is over 100 characters, even only by surrounding spaces, it answers 400 naming it', async () => {
    const res = await service.register(buildRegistration({ name: ` ${'n'.repeat(100)} ` }));

    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'body.name' })]);
  });
});

import { bearer, newId } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, expectProblem, startUserService, type UserServiceUnderTest } from './api-client';

let service: UserServiceUnderTest;
beforeAll(async () => {
  service = await startUserService();
});
afterAll(async () => {
  await service.close();
});

describe('PATCH /users/:id', () => {
  it('when an admin promotes a user, it answers 200 with the updated account', async () => {
    const admin = await service.registerAdmin();
    const { id, registration } = await service.registerUser();

    const res = await service.patch(`/users/${id}`, { role: 'admin' }, admin.auth);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, email: registration.email, role: 'admin', disabled: false });
    expectNoSecrets(res.body);
    expect((await service.users.findById(id))?.role).toBe('admin');
  });

  it('when an admin demotes an admin, the next refresh gives a token with role user that admin routes refuse', async () => {
    const admin = await service.registerAdmin();
    const other = await service.registerAdmin();
    const asAdmin = await service.refresh(other.refreshToken).expect(200);
    expect(asAdmin.body.user.role).toBe('admin');

    await service.patch(`/users/${other.id}`, { role: 'user' }, admin.auth).expect(200);
    const refreshed = await service.refresh(asAdmin.body.refreshToken);

    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user.role).toBe('user');
    const claims = JSON.parse(Buffer.from(String(refreshed.body.token).split('.')[1] ?? '', 'base64url').toString());
    expect(claims.role).toBe('user');
    expectProblem(
      await service.get('/users', { authorization: `Bearer ${refreshed.body.token}` }),
      403,
      'AUTH.FORBIDDEN',
    );
  });

  it('when an admin disables an account, it can no longer log in (403 USER.DISABLED) or refresh', async () => {
    const admin = await service.registerAdmin();
    const { id, refreshToken, registration } = await service.registerUser();

    const res = await service.patch(`/users/${id}`, { disabled: true }, admin.auth);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, disabled: true });
    expectProblem(
      await service.login({ email: registration.email, password: registration.password }),
      403,
      'USER.DISABLED',
    );
    const refresh = await service.refresh(refreshToken);
    expect([401, 403]).toContain(refresh.status);
    expect(await service.db.connection.collection('refresh_token_families').countDocuments({ userId: id })).toBe(0);
  });

  it('when an account is disabled, a wrong password still answers 401, so the 403 tells a guesser nothing', async () => {
    const admin = await service.registerAdmin();
    const { id, registration } = await service.registerUser();
    await service.patch(`/users/${id}`, { disabled: true }, admin.auth).expect(200);

    expectProblem(
      await service.login({ email: registration.email, password: 'not the password' }),
      401,
      'AUTH.INVALID_CREDENTIALS',
    );
  });

  it('when a session outlives the disabling (a refresh racing it), the refresh answers 403 USER.DISABLED and ends that session', async () => {
    const { id, refreshToken } = await service.registerUser();
    // Disabled in the database without going through the route, so the session survives it.
    await service.users.update(id, { disabled: true });

    expectProblem(await service.refresh(refreshToken), 403, 'USER.DISABLED');
    await service.users.update(id, { disabled: false });
    expectProblem(await service.refresh(refreshToken), 401, 'AUTH.REFRESH_INVALID');
  });

  it('when an admin enables a disabled account again, it can log in', async () => {
    const admin = await service.registerAdmin();
    const { id, registration } = await service.registerUser();
    await service.patch(`/users/${id}`, { disabled: true }, admin.auth).expect(200);

    const res = await service.patch(`/users/${id}`, { disabled: false }, admin.auth);

    expect(res.body.disabled).toBe(false);
    expect((await service.login({ email: registration.email, password: registration.password })).status).toBe(200);
  });

  it('when an admin tries to disable or demote themselves, it answers 409 USER.SELF_LOCKOUT and changes nothing', async () => {
    const admin = await service.registerAdmin();

    expectProblem(await service.patch(`/users/${admin.id}`, { disabled: true }, admin.auth), 409, 'USER.SELF_LOCKOUT');
    expectProblem(await service.patch(`/users/${admin.id}`, { role: 'user' }, admin.auth), 409, 'USER.SELF_LOCKOUT');
    expectProblem(
      await service.patch(`/users/${admin.id}`, { role: 'admin', disabled: true }, admin.auth),
      409,
      'USER.SELF_LOCKOUT',
    );

    expect(await service.users.findById(admin.id)).toMatchObject({ role: 'admin', disabled: false });
    expect((await service.refresh(admin.refreshToken)).status).toBe(200);
  });

  it('when an admin was demoted, their access token that still says admin cannot change accounts', async () => {
    const admin = await service.registerAdmin();
    const demoted = await service.registerAdmin();
    await service.patch(`/users/${demoted.id}`, { role: 'user' }, admin.auth).expect(200);

    const res = await service.patch(`/users/${admin.id}`, { role: 'user' }, demoted.auth);

    expectProblem(res, 403, 'AUTH.FORBIDDEN');
    expect((await service.users.findById(admin.id))?.role).toBe('admin');
  });

  it('when a plain user or another service asks, it answers 403 and changes nothing', async () => {
    const { id, auth } = await service.registerUser();

    expectProblem(await service.patch(`/users/${id}`, { role: 'admin' }, auth), 403, 'AUTH.FORBIDDEN');
    expectProblem(
      await service.patch(`/users/${id}`, { role: 'admin' }, bearer('service', 'order-service')),
      403,
      'AUTH.FORBIDDEN',
    );
    expect((await service.users.findById(id))?.role).toBe('user');
  });

  it('when the body has another field, a bad role, a non-boolean or nothing, it answers 400', async () => {
    const admin = await service.registerAdmin();
    const { id } = await service.registerUser();

    const unknownField = await service.patch(`/users/${id}`, { role: 'admin', email: 'x@example.com' }, admin.auth);
    const badRole = await service.patch(`/users/${id}`, { role: 'service' }, admin.auth);
    const notBoolean = await service.patch(`/users/${id}`, { disabled: 'yes' }, admin.auth);
    const empty = await service.patch(`/users/${id}`, {}, admin.auth);

    for (const res of [unknownField, badRole, notBoolean, empty]) expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
    expect(JSON.stringify(unknownField.body.errors)).toContain('email');
    expect(await service.users.findById(id)).toMatchObject({ role: 'user', disabled: false });
  });

  it('when no account has the id, it answers 404 USER.NOT_FOUND; a malformed id is 400', async () => {
    const admin = await service.registerAdmin();

    expectProblem(await service.patch(`/users/${newId()}`, { disabled: true }, admin.auth), 404, 'USER.NOT_FOUND');
    expectProblem(await service.patch('/users/nope', { disabled: true }, admin.auth), 400, 'REQUEST.VALIDATION_FAILED');
  });
});

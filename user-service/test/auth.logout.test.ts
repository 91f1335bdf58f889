import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, startUserService, type UserServiceUnderTest } from './api-client';

let service: UserServiceUnderTest;
beforeAll(async () => {
  service = await startUserService();
});
afterAll(async () => {
  await service.close();
});

describe('POST /auth/logout', () => {
  it('when the refresh token is current, it answers 204 and the token no longer refreshes', async () => {
    const { refreshToken } = await service.registerUser();

    const res = await service.logout(refreshToken);

    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expectProblem(await service.refresh(refreshToken), 401, 'AUTH.REFRESH_INVALID');
  });

  it('when the session was rotated, logging out with its latest token ends the whole family', async () => {
    const { refreshToken: first } = await service.registerUser();
    const latest = (await service.refresh(first).expect(200)).body.refreshToken as string;

    await service.logout(latest).expect(204);

    expectProblem(await service.refresh(latest), 401, 'AUTH.REFRESH_INVALID');
    expectProblem(await service.refresh(first), 401, 'AUTH.REFRESH_INVALID');
  });

  it('when one session logs out, the user’s other sessions keep working', async () => {
    const { refreshToken, registration } = await service.registerUser();
    const other = (await service.login({ email: registration.email, password: registration.password }).expect(200)).body
      .refreshToken as string;

    await service.logout(refreshToken).expect(204);

    expect((await service.refresh(other)).status).toBe(200);
  });

  it('when the token is unknown or already logged out, it still answers 204, so it reveals nothing', async () => {
    const { refreshToken } = await service.registerUser();
    await service.logout(refreshToken).expect(204);

    expect((await service.logout(refreshToken)).status).toBe(204);
    expect((await service.logout('not-a-token-we-issued')).status).toBe(204);
  });

  it('when no token is sent, it answers 400', async () => {
    expectProblem(await service.logout(undefined), 400, 'REQUEST.VALIDATION_FAILED');
  });
});

import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, expectProblem, startUserService, type UserServiceUnderTest } from './api-client';

const MAX_SESSIONS = 3;

let service: UserServiceUnderTest;
beforeAll(async () => {
  service = await startUserService({ refreshPolicy: { maxSessionsPerUser: MAX_SESSIONS } });
});
afterAll(async () => {
  await service.close();
});

describe('POST /auth/refresh', () => {
  it('when the refresh token is current, it answers a new access token and a new refresh token for the same user', async () => {
    const { id, refreshToken } = await service.registerUser();

    const res = await service.refresh(refreshToken);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { id, role: 'user' } });
    expect(res.body.refreshToken).toMatch(/^[\w-]{43}$/);
    expect(res.body.refreshToken).not.toBe(refreshToken);
    expect(res.body.refreshExpiresIn).toBeGreaterThan(0);
    expect(res.body.refreshExpiresIn).toBeLessThanOrEqual(30 * 86_400);
    expectNoSecrets(res.body);
    const me = await service.get('/users/me', { authorization: `Bearer ${res.body.token}` });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(id);
  });

  it('when the new refresh token is used in turn, it rotates again', async () => {
    const { refreshToken } = await service.registerUser();
    const second = (await service.refresh(refreshToken).expect(200)).body.refreshToken as string;

    const third = await service.refresh(second);

    expect(third.status).toBe(200);
    expect(third.body.refreshToken).not.toBe(second);
  });

  it('when an already used refresh token is presented, it answers 401 AUTH.REFRESH_REUSED and the newest token of the family stops working too', async () => {
    const { refreshToken: first } = await service.registerUser();
    const second = (await service.refresh(first).expect(200)).body.refreshToken as string;
    const newest = (await service.refresh(second).expect(200)).body.refreshToken as string;

    const reuse = await service.refresh(first);

    expectProblem(reuse, 401, 'AUTH.REFRESH_REUSED');
    expect(reuse.body.token).toBeUndefined();
    expectProblem(await service.refresh(newest), 401, 'AUTH.REFRESH_INVALID');
    expectProblem(await service.refresh(second), 401, 'AUTH.REFRESH_INVALID');
  });

  it('when a family is revoked for reuse, the same user’s other sessions keep working', async () => {
    const { refreshToken: stolen, registration } = await service.registerUser();
    const otherSession = (
      await service.login({ email: registration.email, password: registration.password }).expect(200)
    ).body.refreshToken as string;
    await service.refresh(stolen).expect(200);

    expectProblem(await service.refresh(stolen), 401, 'AUTH.REFRESH_REUSED');

    expect((await service.refresh(otherSession)).status).toBe(200);
  });

  it('when the same refresh token is sent by several requests at once, exactly one succeeds', async () => {
    const { refreshToken } = await service.registerUser();

    const responses = await Promise.all(Array.from({ length: 6 }, () => service.refresh(refreshToken)));

    const statuses = responses.map((res) => res.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
  });

  it('when the token is unknown, it answers 401 AUTH.REFRESH_INVALID with WWW-Authenticate', async () => {
    const res = await service.refresh('A'.repeat(43));

    expectProblem(res, 401, 'AUTH.REFRESH_INVALID');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('when the body is missing the token, has another field or a non-string token, it answers 400', async () => {
    const { refreshToken } = await service.registerUser();

    expectProblem(await service.refresh(undefined), 400, 'REQUEST.VALIDATION_FAILED');
    expectProblem(await service.refresh(42), 400, 'REQUEST.VALIDATION_FAILED');
    expectProblem(await service.refresh({ $ne: '' }), 400, 'REQUEST.OPERATOR_KEYS');
    const extraField = await request(service.app).post('/auth/refresh').send({ refreshToken, userId: 'x' });
    expectProblem(extraField, 400, 'REQUEST.VALIDATION_FAILED');
    // A refused request does not use the token up.
    expect((await service.refresh(refreshToken)).status).toBe(200);
  });

  it('when the refresh token is stored, only its SHA-256 hash is kept', async () => {
    const { id, refreshToken } = await service.registerUser();

    const stored = await service.db.connection.collection('refresh_token_families').find({ userId: id }).toArray();

    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(refreshToken);
    expect(stored[0]?.tokenHash).toBe(createHash('sha256').update(refreshToken).digest('base64url'));
  });

  it('ended sessions are removed by a TTL index on their expiry', async () => {
    const indexes = await service.db.connection.collection('refresh_token_families').indexes();

    expect(indexes).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: { expiresAt: 1 }, expireAfterSeconds: 0 })]),
    );
  });

  it(`when a user logs in more than ${MAX_SESSIONS} times, the oldest session is revoked and the newest ones work`, async () => {
    const { id, refreshToken: oldest, registration } = await service.registerUser();
    const newer: string[] = [];
    for (let i = 0; i < MAX_SESSIONS; i++) {
      newer.push(
        (await service.login({ email: registration.email, password: registration.password }).expect(200)).body
          .refreshToken as string,
      );
    }

    expectProblem(await service.refresh(oldest), 401, 'AUTH.REFRESH_INVALID');
    expect(await service.db.connection.collection('refresh_token_families').countDocuments({ userId: id })).toBe(
      MAX_SESSIONS,
    );
    for (const token of newer) expect((await service.refresh(token)).status).toBe(200);
  });
});

describe('POST /auth/refresh when the session has ended', () => {
  let shortLived: UserServiceUnderTest;
  beforeAll(async () => {
    shortLived = await startUserService({ refreshPolicy: { ttlSeconds: 1 } });
  });
  afterAll(async () => {
    await shortLived.close();
  });

  it('when the family is past its expiry, it answers 401 AUTH.REFRESH_INVALID, and rotation never extends it', async () => {
    const { refreshToken } = await shortLived.registerUser();
    const rotated = await shortLived.refresh(refreshToken).expect(200);
    expect(rotated.body.refreshExpiresIn).toBeLessThanOrEqual(1);

    await sleep(1100);

    expectProblem(await shortLived.refresh(rotated.body.refreshToken), 401, 'AUTH.REFRESH_INVALID');
  });
});

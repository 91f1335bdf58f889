import { bearer } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, expectProblem, startUserService, type UserServiceUnderTest } from './api-client';

let service: UserServiceUnderTest;
beforeAll(async () => {
  service = await startUserService();
});
afterAll(async () => {
  await service.close();
});

interface ListedUser {
  id: string;
  createdAt: string;
}

describe('GET /users', () => {
  it('when an admin asks, it answers a page of users, newest first, with the total', async () => {
    const first = await service.registerUser();
    const second = await service.registerUser();
    const third = await service.registerUser();

    const res = await service.get('/users?page=1&limit=2', bearer('admin'));

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 1, limit: 2 });
    expect(res.body.total).toBeGreaterThanOrEqual(3);
    expect(res.body.totalPages).toBe(Math.ceil(res.body.total / 2));
    expect(res.body.items).toHaveLength(2);
    expectNoSecrets(res.body);
    // Other tests in this file may add users, so look for ours in the whole list rather than at fixed places.
    const all = await service.get(`/users?limit=100`, bearer('admin'));
    const ids = (all.body.items as ListedUser[]).map((user) => user.id);
    expect(ids.indexOf(third.id)).toBeLessThan(ids.indexOf(second.id));
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id));
    const createdAts = (all.body.items as ListedUser[]).map((user) => user.createdAt);
    expect([...createdAts].sort().reverse()).toEqual(createdAts);
  });

  it('when pages are walked, every user appears exactly once', async () => {
    await Promise.all([service.registerUser(), service.registerUser(), service.registerUser()]);
    const { body: firstPage } = await service.get('/users?limit=2', bearer('admin')).expect(200);

    const seen: string[] = [];
    for (let page = 1; page <= firstPage.totalPages; page++) {
      const res = await service.get(`/users?page=${page}&limit=2`, bearer('admin')).expect(200);
      seen.push(...(res.body.items as ListedUser[]).map((user) => user.id));
    }

    expect(seen).toHaveLength(firstPage.total);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('when no page or limit is given, it uses page 1 and limit 20', async () => {
    const res = await service.get('/users', bearer('admin'));

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 1, limit: 20 });
  });

  it('when a plain user asks, it answers 403', async () => {
    const { auth } = await service.registerUser();

    const res = await service.get('/users', auth);

    expectProblem(res, 403, 'AUTH.FORBIDDEN');
  });

  it('when there is no token, it answers 401', async () => {
    const res = await service.get('/users');

    expectProblem(res, 401, 'AUTH.UNAUTHORIZED');
  });

  it('when the query has an unknown key or a limit over 100, it answers 400', async () => {
    const unknownKey = await service.get('/users?sort=email', bearer('admin'));
    const tooMany = await service.get('/users?limit=101', bearer('admin'));
    const notANumber = await service.get('/users?page=abc', bearer('admin'));

    expectProblem(unknownKey, 400, 'REQUEST.VALIDATION_FAILED');
    expectProblem(tooMany, 400, 'REQUEST.VALIDATION_FAILED');
    expectProblem(notANumber, 400, 'REQUEST.VALIDATION_FAILED');
    expect(tooMany.body.errors).toEqual([expect.objectContaining({ path: 'query.limit' })]);
  });
});

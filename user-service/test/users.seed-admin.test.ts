import { testLogger, unique } from '@shop/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAdmin } from '../src/domain/seed-admin.use-case';
import { startUserService, type UserServiceUnderTest } from './api-client';

let service: UserServiceUnderTest;
beforeAll(async () => {
  service = await startUserService();
});
afterAll(async () => {
  await service.close();
});

const password = 'admin password 123';

describe('admin seeding at start-up', () => {
  it('when no account has the admin email, it creates an admin who can log in and list users', async () => {
    const email = `${unique('admin')}@example.com`;

    await seedAdmin({ users: service.users, logger: testLogger }, { email: ` ${email.toUpperCase()} `, password });

    const login = await service.login({ email, password });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ email, role: 'admin' });
    const list = await service.get('/users', { authorization: `Bearer ${login.body.token}` });
    expect(list.status).toBe(200);
  });

  it('when several instances seed the same admin at once, exactly one account exists and none fails', async () => {
    const email = `${unique('admin')}@example.com`;

    await Promise.all(
      [1, 2, 3].map(() => seedAdmin({ users: service.users, logger: testLogger }, { email, password })),
    );

    const list = await service.users.list({ page: 1, limit: 100 });
    expect(list.items.filter((user) => user.email === email)).toHaveLength(1);
  });

  it('when a plain user already has the admin email, it is left a plain user with its own password', async () => {
    const { registration } = await service.registerUser();

    await seedAdmin({ users: service.users, logger: testLogger }, { email: registration.email, password });

    expect((await service.users.findByEmail(registration.email))?.role).toBe('user');
    expect((await service.login({ email: registration.email, password })).status).toBe(401);
  });
});

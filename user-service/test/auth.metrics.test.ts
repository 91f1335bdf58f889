import { sampleSum, unique } from '@shop/test-support';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUserService, type UserServiceUnderTest } from './api-client';

/** What an operator reads off user-service's /metrics: sign-ups, and logins by how they ended. */
const MAX_FAILURES = 2;
let service: UserServiceUnderTest;
beforeAll(async () => {
  service = await startUserService({ loginLimits: { maxFailures: MAX_FAILURES, lockoutMs: 60_000 } });
});
afterAll(() => service.close());

const scrape = async () => (await request(service.app).get('/metrics')).text;

describe('account metrics', () => {
  it('a sign-up counts once; a refused one (taken email, invalid body) does not', async () => {
    const before = sampleSum(await scrape(), 'shop_registrations_total');
    const { registration } = await service.registerUser();

    expect((await service.register({ ...registration, name: 'Again' })).status).toBe(409);
    expect((await service.register({ email: unique('bad') })).status).toBe(400);

    expect(sampleSum(await scrape(), 'shop_registrations_total')).toBe(before + 1);
  });

  it('logins count by outcome; a wrong password and an unknown email are one outcome', async () => {
    const before = await scrape();
    const admin = await service.registerAdmin();
    const ok = await service.registerUser();
    const locked = await service.registerUser();
    const disabled = await service.registerUser();
    await service.patch(`/users/${disabled.id}`, { disabled: true }, admin.auth).expect(200);

    expect((await service.login({ email: ok.registration.email, password: ok.registration.password })).status).toBe(
      200,
    );
    expect((await service.login({ email: ok.registration.email, password: 'not the password' })).status).toBe(401);
    expect((await service.login({ email: `${unique('nobody')}@example.com`, password: 'whatever it is' })).status).toBe(
      401,
    );
    for (let i = 0; i < MAX_FAILURES; i++)
      await service.login({ email: locked.registration.email, password: 'not the password' }).expect(401);
    expect(
      (await service.login({ email: locked.registration.email, password: locked.registration.password })).status,
    ).toBe(429);
    expect(
      (await service.login({ email: disabled.registration.email, password: disabled.registration.password })).status,
    ).toBe(403);

    const after = await scrape();
    const logins = (outcome: string) =>
      sampleSum(after, 'shop_logins_total', { outcome }) - sampleSum(before, 'shop_logins_total', { outcome });
    expect(logins('success')).toBe(1);
    expect(logins('invalid_credentials')).toBe(2 + MAX_FAILURES);
    expect(logins('locked')).toBe(1);
    expect(logins('disabled')).toBe(1);
    expect(logins('error')).toBe(0);
  });
});

import { unique } from '@shop/test-support';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, startUserService, type UserServiceUnderTest } from './api-client';

const MAX_FAILURES = 20;
const LOCKOUT_MS = 3000;
const WRONG = 'not the password';

let service: UserServiceUnderTest;
beforeAll(async () => {
  // The default failure count, but a lock-out short enough to wait for.
  service = await startUserService({ loginLimits: { maxFailures: MAX_FAILURES, lockoutMs: LOCKOUT_MS } });
});
afterAll(async () => {
  await service.close();
});

/** Fails `count` logins for the email, a few at a time (also exercising concurrent counting). */
async function failLogins(email: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let done = 0; done < count; done += 4) {
    const batch = Array.from({ length: Math.min(4, count - done) }, () => service.login({ email, password: WRONG }));
    statuses.push(...(await Promise.all(batch)).map((res) => res.status));
  }
  return statuses;
}

describe('per-account failed-login limit', () => {
  it(`when many guesses arrive at once, only ${MAX_FAILURES} are checked: the rest, and then the right password, get 429`, async () => {
    // A lock-out that outlasts the burst (twenty argon2 checks take seconds on a busy machine).
    const patient = await startUserService({ loginLimits: { maxFailures: MAX_FAILURES, lockoutMs: 120_000 } });
    try {
      const { registration } = await patient.registerUser();

      const answers = await Promise.all(
        Array.from({ length: 3 * MAX_FAILURES }, () => patient.login({ email: registration.email, password: WRONG })),
      );
      const statuses = answers.map((res) => res.status);

      expect(statuses.filter((status) => status === 401)).toHaveLength(MAX_FAILURES);
      expect(statuses.filter((status) => status === 429)).toHaveLength(2 * MAX_FAILURES);
      const right = await patient.login({ email: registration.email, password: registration.password });
      expectProblem(right, 429, 'AUTH.ACCOUNT_LOCKED');
    } finally {
      await patient.close();
    }
  }, 90_000);

  it(`after ${MAX_FAILURES} failed logins even the right password answers 429 AUTH.ACCOUNT_LOCKED with Retry-After, and works once the lock-out has passed`, async () => {
    const { registration } = await service.registerUser();
    const credentials = { email: registration.email, password: registration.password };

    expect(await failLogins(registration.email, MAX_FAILURES)).toEqual(Array(MAX_FAILURES).fill(401));
    const locked = await service.login(credentials);

    expectProblem(locked, 429, 'AUTH.ACCOUNT_LOCKED');
    expect(locked.body.token).toBeUndefined();
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil(LOCKOUT_MS / 1000));
    expectProblem(await service.login({ email: registration.email, password: WRONG }), 429, 'AUTH.ACCOUNT_LOCKED');

    await sleep(LOCKOUT_MS + 200);

    const after = await service.login(credentials);
    expect(after.status).toBe(200);
    expect(after.body.user.email).toBe(registration.email);
  }, 90_000);

  it('while one account is locked, other accounts log in normally', async () => {
    const victim = await service.registerUser();
    const bystander = await service.registerUser();
    await failLogins(victim.registration.email, MAX_FAILURES);

    expectProblem(
      await service.login({ email: victim.registration.email, password: victim.registration.password }),
      429,
      'AUTH.ACCOUNT_LOCKED',
    );
    expect(
      (await service.login({ email: bystander.registration.email, password: bystander.registration.password })).status,
    ).toBe(200);
  }, 90_000);

  it('when a login succeeds, the failure count starts again from zero', async () => {
    const { registration } = await service.registerUser();
    const credentials = { email: registration.email, password: registration.password };
    await failLogins(registration.email, MAX_FAILURES - 1);
    await service.login(credentials).expect(200);

    await failLogins(registration.email, MAX_FAILURES - 1);

    expect((await service.login(credentials)).status).toBe(200);
  }, 120_000);

  it('when the logins are for an email nobody has, every one answers 401 and nothing breaks', async () => {
    const email = `${unique('nobody')}@example.com`;

    const statuses = await failLogins(email, MAX_FAILURES + 2);

    expect(statuses).toEqual(Array(MAX_FAILURES + 2).fill(401));
    expect(await service.users.findByEmail(email)).toBeNull();
  }, 90_000);
});

describe('per-account failed-login window', () => {
  const WINDOW_MS = 1000;
  let shortWindow: UserServiceUnderTest;
  beforeAll(async () => {
    shortWindow = await startUserService({
      loginLimits: { maxFailures: 3, failureWindowMs: WINDOW_MS, lockoutMs: 60_000 },
    });
  });
  afterAll(async () => {
    await shortWindow.close();
  });

  it('when failures are spread wider than the window, they do not add up to a lock', async () => {
    const { registration } = await shortWindow.registerUser();
    const wrong = { email: registration.email, password: WRONG };
    await shortWindow.login(wrong).expect(401);
    await shortWindow.login(wrong).expect(401);

    await sleep(WINDOW_MS + 200);
    await shortWindow.login(wrong).expect(401);
    await shortWindow.login(wrong).expect(401);

    expect((await shortWindow.login({ email: registration.email, password: registration.password })).status).toBe(200);
  }, 60_000);
});

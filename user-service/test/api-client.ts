import { createHttpMetrics, isDatabaseReachable } from '@shop/shared';
import { openTestDatabase, TEST_JWT_SECRET, testLogger, unique, type TestDatabase } from '@shop/test-support';
import type { Express } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import { createApp } from '../src/app';
import { createUserRepository, type UserRepository } from '../src/data-access/user.repository';

export const BODY_LIMIT_BYTES = 100 * 1024;

export interface Registration {
  name: string;
  email: string;
  password: string;
}

/** A valid sign-up body with an email no other test uses. */
export function buildRegistration(overrides: Partial<Registration> = {}): Registration {
  return { name: 'Ada Lovelace', email: `${unique('ada')}@example.com`, password: 'correct horse battery', ...overrides };
}

export interface UserServiceUnderTest {
  app: Express;
  db: TestDatabase;
  users: UserRepository;
  register(body: object): request.Test;
  login(body: object): request.Test;
  get(path: string, headers?: Record<string, string>): request.Test;
  /** Registers a fresh user and returns its id, token and credentials. */
  registerUser(overrides?: Partial<Registration>): Promise<{ id: string; token: string; auth: Record<string, string>; registration: Registration }>;
  close(): Promise<void>;
}

/** The real app on a database of its own; call in beforeAll and `close()` in afterAll. */
export async function startUserService(): Promise<UserServiceUnderTest> {
  const db = await openTestDatabase('users');
  const users = createUserRepository(db.connection);
  await users.ensureIndexes();
  const app = createApp({
    logger: testLogger,
    metrics: createHttpMetrics('user-service', testLogger),
    users,
    jwtSecret: TEST_JWT_SECRET,
    jwtExpiresInSeconds: 3600,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    readiness: [{ name: 'database', check: () => isDatabaseReachable(db.connection) }],
  });

  const service: UserServiceUnderTest = {
    app,
    db,
    users,
    register: (body) => request(app).post('/auth/register').send(body),
    login: (body) => request(app).post('/auth/login').send(body),
    get: (path, headers = {}) => request(app).get(path).set(headers),
    async registerUser(overrides = {}) {
      const registration = buildRegistration(overrides);
      const res = await service.register(registration).expect(201);
      const body = res.body as { user: { id: string }; token: string };
      return { id: body.user.id, token: body.token, auth: { authorization: `Bearer ${body.token}` }, registration };
    },
    close: () => db.close(),
  };
  return service;
}

/** Asserts a problem+json answer with the given status and code, carrying the request id. */
export function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, requestId: res.headers['x-request-id'] });
  expect(typeof res.body.requestId).toBe('string');
}

/** Fails if any part of a response body mentions a password hash or a mongo internal field. */
export function expectNoSecrets(body: unknown): void {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/passwordHash|password|\$argon2|"__v"|"_id"/);
}

import { createHttpMetrics } from '@shop/shared/http';
import { isDatabaseReachable } from '@shop/shared/mongo';
import { openTestDatabase, TEST_JWT_SECRET, testLogger, tokenFor, unique, type TestDatabase } from '@shop/test-support';
import type { Express } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import { createApp } from '../src/app';
import { createAccountMetrics } from '../src/metrics';
import { createRefreshTokenRepository, type RefreshTokenRepository } from '../src/data-access/refresh-token.repository';
import { createUserRepository, type UserRepository } from '../src/data-access/user.repository';
import type { RefreshTokenPolicy } from '../src/domain/refresh-token';
import type { LoginLimits } from '../src/domain/user';

export const BODY_LIMIT_BYTES = 100 * 1024;
export const ACCESS_TOKEN_SECONDS = 900;
export const DEFAULT_REFRESH_POLICY: RefreshTokenPolicy = { ttlSeconds: 30 * 86_400, maxSessionsPerUser: 10 };
export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  maxFailures: 20,
  failureWindowMs: 15 * 60_000,
  lockoutMs: 15 * 60_000,
};

export interface Registration {
  name: string;
  email: string;
  password: string;
}

/** A valid sign-up body with an email no other test uses. */
export function buildRegistration(overrides: Partial<Registration> = {}): Registration {
  return {
    name: 'Ada Lovelace',
    email: `${unique('ada')}@example.com`,
    password: 'correct horse battery',
    ...overrides,
  };
}

export interface RegisteredUser {
  id: string;
  token: string;
  refreshToken: string;
  auth: Record<string, string>;
  registration: Registration;
}

export interface UserServiceUnderTest {
  app: Express;
  db: TestDatabase;
  users: UserRepository;
  refreshTokens: RefreshTokenRepository;
  register(body: object): request.Test;
  login(body: object): request.Test;
  refresh(refreshToken: unknown): request.Test;
  logout(refreshToken: unknown): request.Test;
  get(path: string, headers?: Record<string, string>): request.Test;
  patch(path: string, body: object, headers?: Record<string, string>): request.Test;
  /** Registers a fresh user and returns its id, tokens and credentials. */
  registerUser(overrides?: Partial<Registration>): Promise<RegisteredUser>;
  /** A fresh account made admin in the database, with a real admin token for it. */
  registerAdmin(): Promise<RegisteredUser>;
  close(): Promise<void>;
}

export interface UserServiceOptions {
  refreshPolicy?: Partial<RefreshTokenPolicy>;
  loginLimits?: Partial<LoginLimits>;
}

/** The real app on a database of its own; call in beforeAll and `close()` in afterAll. */
export async function startUserService(options: UserServiceOptions = {}): Promise<UserServiceUnderTest> {
  const db = await openTestDatabase('users');
  const users = createUserRepository(db.connection);
  const refreshTokens = createRefreshTokenRepository(db.connection);
  await Promise.all([users.ensureIndexes(), refreshTokens.ensureIndexes()]);
  const metrics = createHttpMetrics('user-service', testLogger);
  const app = createApp({
    logger: testLogger,
    metrics,
    accountMetrics: createAccountMetrics(metrics.registry),
    users,
    refreshTokens,
    jwtSecret: TEST_JWT_SECRET,
    jwtExpiresInSeconds: ACCESS_TOKEN_SECONDS,
    refreshPolicy: { ...DEFAULT_REFRESH_POLICY, ...options.refreshPolicy },
    loginLimits: { ...DEFAULT_LOGIN_LIMITS, ...options.loginLimits },
    bodyLimitBytes: BODY_LIMIT_BYTES,
    readiness: [{ name: 'database', check: () => isDatabaseReachable(db.connection) }],
  });

  const service: UserServiceUnderTest = {
    app,
    db,
    users,
    refreshTokens,
    register: (body) => request(app).post('/auth/register').send(body),
    login: (body) => request(app).post('/auth/login').send(body),
    refresh: (refreshToken) => request(app).post('/auth/refresh').send({ refreshToken }),
    logout: (refreshToken) => request(app).post('/auth/logout').send({ refreshToken }),
    get: (path, headers = {}) => request(app).get(path).set(headers),
    patch: (path, body, headers = {}) => request(app).patch(path).set(headers).send(body),
    async registerUser(overrides = {}) {
      const registration = buildRegistration(overrides);
      const res = await service.register(registration).expect(201);
      const body = res.body as { user: { id: string }; token: string; refreshToken: string };
      return {
        id: body.user.id,
        token: body.token,
        refreshToken: body.refreshToken,
        auth: { authorization: `Bearer ${body.token}` },
        registration,
      };
    },
    async registerAdmin() {
      const admin = await service.registerUser({ name: 'Admin' });
      await users.update(admin.id, { role: 'admin' });
      const token = tokenFor('admin', admin.id);
      return { ...admin, token, auth: { authorization: `Bearer ${token}` } };
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
  expect(text).not.toMatch(/passwordHash|password|\$argon2|"__v"|"_id"|tokenHash|failedLogins|lockedUntil/);
}

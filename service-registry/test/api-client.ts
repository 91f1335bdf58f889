import { createHttpMetrics } from '@shop/shared/http';
import { leaseSchema, type Lease } from '@shop/shared/discovery';
import { testLogger } from '@shop/test-support';
import type { Express } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import { createApp } from '../src/app';
import { createInstanceTable, type InstanceTable, type InstanceTableOptions } from '../src/domain/instance-table';
import { buildRegistration, type RegistrationInput } from './builders';

export const TEST_REGISTRY_TOKEN = 'test-registry-token-that-is-at-least-32-bytes';
export const TTL_SECONDS = 30;
export const GRACE_SECONDS = 60;

/** The header every write carries. */
export const withToken = { authorization: `Bearer ${TEST_REGISTRY_TOKEN}` };

export interface TestRegistry {
  app: Express;
  http: ReturnType<typeof request>;
  table: InstanceTable;
  /** Moves the registry's clock forward. */
  advance(seconds: number): void;
  /** One round of what main.ts runs every second. */
  sweep(): { expired: number; removed: number };
  /** Registers an instance (201 or 200) and returns its lease. */
  register(overrides?: Partial<RegistrationInput>): Promise<Lease & { url: string }>;
  /** The url of the instance `GET /discover/:name` hands out, or its status when none. */
  discoverUrl(name?: string): Promise<string | number>;
}

export type TestRegistryOptions = Partial<Omit<InstanceTableOptions, 'now'>> & {
  /** Replaces the table (to make it fail, say); the clock then does not reach it. */
  table?: InstanceTable;
};

/** The real app on a table of its own, with a clock the test moves. Nothing to close. */
export function startTestRegistry(options: TestRegistryOptions = {}): TestRegistry {
  const { table: givenTable, ...settings } = options;
  let now = Date.parse('2030-01-01T00:00:00.000Z');
  const table =
    givenTable ??
    createInstanceTable({
      ttlSeconds: TTL_SECONDS,
      graceSeconds: GRACE_SECONDS,
      maxServices: 100,
      maxInstancesPerService: 50,
      ...settings,
      now: () => now,
    });
  const app = createApp({
    logger: testLogger,
    metrics: createHttpMetrics('service-registry', testLogger),
    table,
    registryToken: TEST_REGISTRY_TOKEN,
    bodyLimitBytes: 100 * 1024,
  });
  const http = request(app);
  return {
    app,
    http,
    table,
    advance: (seconds) => {
      now += seconds * 1000;
    },
    sweep: () => table.sweep(),
    async register(overrides = {}) {
      const registration = buildRegistration(overrides);
      const response = await http.post('/register').set(withToken).send(registration);
      expect([200, 201], JSON.stringify(response.body)).toContain(response.status);
      return { ...leaseSchema.parse(response.body), url: registration.url };
    },
    async discoverUrl(name = 'product-service') {
      const response = await http.get(`/discover/${name}`);
      return response.status === 200 ? (response.body as { url: string }).url : response.status;
    },
  };
}

/** Asserts a problem+json answer with its status and stable code, and no internals; returns the body. */
export function expectProblem(response: request.Response, status: number, code: string): Record<string, unknown> {
  expect(response.status, response.text).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(response.text) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code });
  expect(body.requestId).toEqual(expect.any(String));
  expect(response.text).not.toMatch(/stack|\bat .*:\d+:\d+|\.ts\b|node_modules/i);
  return body;
}

/** The paths the problem's `errors[]` names. */
export function errorPaths(problem: Record<string, unknown>): string[] {
  return (problem.errors as { path: string }[]).map((error) => error.path);
}

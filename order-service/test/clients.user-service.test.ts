import { UpstreamError, UpstreamTimeoutError, UpstreamUnavailableError } from '@shop/shared/core';
import { type ServiceClientOptions } from '@shop/shared/service-client';
import { newId } from '@shop/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUserServiceClient } from '../src/clients/user-service.client';
import type { UserDirectory } from '../src/domain/user-directory';
import { UnknownUserError, UpstreamInvalidResponseError } from '../src/domain/order.errors';
import { refusingUrl, startHttpStub, type HttpStub } from './http-stub';
import { IMPATIENT, failureOf, testServiceClient, type TestServiceClient } from './upstream-client';

// order-service's real user-service client, through a real ServiceClient, against a real HTTP
// server answering as user-service would (or would not): its error mapping is what is tested.

let stub: HttpStub;
let client: TestServiceClient;
let users: UserDirectory;
const userId = newId();

function connect(
  baseUrl: string,
  {
    authorization = () => 'Bearer service-token',
    ...overrides
  }: { authorization?: () => string } & Partial<ServiceClientOptions> = {},
): void {
  client?.http.close();
  client = testServiceClient('user-service', baseUrl, overrides);
  users = createUserServiceClient(client.http, authorization);
}

beforeEach(async () => {
  stub = await startHttpStub(() => ({ status: 200, json: { id: userId, name: 'Ann', role: 'user', disabled: false } }));
  connect(stub.url);
});

afterEach(async () => {
  client.http.close();
  await stub.close();
});

describe('user-service client: answers', () => {
  it('when user-service answers 200 with the account, the user exists; the call is a GET carrying the service token', async () => {
    await expect(users.assertUserExists(userId)).resolves.toBeUndefined();

    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]).toMatchObject({
      method: 'GET',
      url: `/users/${userId}`,
      headers: { authorization: 'Bearer service-token' },
    });
  });

  it('when user-service answers that the account is disabled, the check fails with 403 USER.DISABLED and is not retried', async () => {
    stub.reply = () => ({ status: 200, json: { id: userId, name: 'Ann', role: 'user', disabled: true } });

    const error = await failureOf(users.assertUserExists(userId));

    expect(error).toMatchObject({ status: 403, code: 'USER.DISABLED' });
    expect(stub.requests).toHaveLength(1);
  });

  it.each([
    ['a body that is not JSON', { status: 200, raw: '<html>Welcome to the hotel wifi</html>' }],
    ['an empty body', { status: 200, raw: '' }],
    ['an object without an id', { status: 200, json: { name: 'Ann' } }],
    ['another account', { status: 200, json: { id: newId(), name: 'Bob' } }],
  ])(
    'when user-service answers 200 with %s, the check fails with 502 UPSTREAM.INVALID_RESPONSE and is not retried',
    async (_label, answer) => {
      stub.reply = () => answer;

      const error = await failureOf(users.assertUserExists(userId));

      expect(error).toBeInstanceOf(UpstreamInvalidResponseError);
      expect(error).toMatchObject({ status: 502, code: 'UPSTREAM.INVALID_RESPONSE' });
      expect(stub.requests).toHaveLength(1);
    },
  );

  it('when user-service answers 404 USER.NOT_FOUND, the user is unknown (422 USER.NOT_FOUND) and it is not asked again', async () => {
    stub.reply = () => ({ status: 404, json: { status: 404, code: 'USER.NOT_FOUND', detail: 'No user has this id' } });

    const error = await failureOf(users.assertUserExists(userId));

    expect(error).toBeInstanceOf(UnknownUserError);
    expect(error).toMatchObject({ status: 422, code: 'USER.NOT_FOUND' });
    expect(stub.requests).toHaveLength(1);
  });

  it('when the 404 is not user-service saying so (another code, no body), the user is not declared unknown: 502 UPSTREAM.ERROR', async () => {
    for (const answer of [
      { status: 404, json: { status: 404, code: 'ROUTE.NOT_FOUND' } },
      { status: 404, raw: 'Not Found' },
    ]) {
      stub.reply = () => answer;

      const error = await failureOf(users.assertUserExists(userId));

      expect(error).not.toBeInstanceOf(UnknownUserError);
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ status: 502, code: 'UPSTREAM.ERROR', upstreamStatus: 404 });
    }
  });

  it('when user-service answers 429 with Retry-After, the check waits that long and asks again', async () => {
    stub.reply = (_req, index) =>
      index === 1
        ? { status: 429, json: { code: 'RATE_LIMITED' }, headers: { 'Retry-After': '1' } }
        : { status: 200, json: { id: userId, disabled: false } };
    const started = Date.now();

    await expect(users.assertUserExists(userId)).resolves.toBeUndefined();

    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(stub.requests).toHaveLength(2);
  });

  it('when user-service answers 429 with a Retry-After beyond the deadline, the check fails at once with 502 (upstream 429)', async () => {
    stub.reply = () => ({ status: 429, json: { code: 'RATE_LIMITED' }, headers: { 'Retry-After': '30' } });
    const started = Date.now();

    const error = await failureOf(users.assertUserExists(userId));

    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toMatchObject({
      status: 502,
      code: 'UPSTREAM.ERROR',
      upstreamStatus: 429,
      upstreamCode: 'RATE_LIMITED',
    });
    expect(stub.requests).toHaveLength(1);
  });

  it('when user-service answers 500, the check fails with 502 (upstream 500) and is not retried', async () => {
    stub.reply = () => ({ status: 500, json: { status: 500, code: 'INTERNAL' } });

    const error = await failureOf(users.assertUserExists(userId));

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 502, code: 'UPSTREAM.ERROR', upstreamStatus: 500, upstreamCode: 'INTERNAL' });
    expect(stub.requests).toHaveLength(1);
  });

  it.each([502, 503, 504])(
    'when user-service answers %i every time, the check is tried three times, then fails with 502 naming that status',
    async (status) => {
      stub.reply = () => ({ status, json: { status, code: 'GATEWAY' } });

      const error = await failureOf(users.assertUserExists(userId));

      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ status: 502, code: 'UPSTREAM.ERROR', upstreamStatus: status });
      expect(stub.requests).toHaveLength(3);
    },
  );

  it('when user-service answers 503 once, the retry succeeds', async () => {
    stub.reply = (_req, index) =>
      index === 1 ? { status: 503, json: {} } : { status: 200, json: { id: userId, disabled: false } };

    await expect(users.assertUserExists(userId)).resolves.toBeUndefined();
    expect(stub.requests).toHaveLength(2);
  });
});

describe('user-service client: no answer', () => {
  it('when user-service never answers, each attempt times out and the check fails with 504 UPSTREAM.TIMEOUT after three', async () => {
    connect(stub.url, IMPATIENT);
    stub.reply = () => 'no-answer';

    const error = await failureOf(users.assertUserExists(userId));

    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error).toMatchObject({ status: 504, code: 'UPSTREAM.TIMEOUT' });
    expect(stub.requests).toHaveLength(3);
  });

  it('when the connection drops in the middle of the answer, the check is retried, then fails with 503 UPSTREAM.UNAVAILABLE', async () => {
    stub.reply = () => 'drop';

    const error = await failureOf(users.assertUserExists(userId));

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ status: 503, code: 'UPSTREAM.UNAVAILABLE' });
    expect(stub.requests).toHaveLength(3);
  });

  it('when the connection is refused, the check is retried, then fails with 503 UPSTREAM.UNAVAILABLE naming no address', async () => {
    connect(await refusingUrl());

    const error = await failureOf(users.assertUserExists(userId));

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ status: 503, code: 'UPSTREAM.UNAVAILABLE', cause: { code: 'ECONNREFUSED' } });
    expect(`${(error as Error).message} ${String((error as Error).cause)}`).not.toContain('127.0.0.1');
    expect(await client.attempts()).toBe(3);
  });
});

describe('user-service client: credentials', () => {
  it('asks for the authorization on every call, so a renewed service token is sent once the old one is due', async () => {
    let issued = 0;
    connect(stub.url, { authorization: () => `Bearer token-${++issued}` });

    await users.assertUserExists(userId);
    await users.assertUserExists(userId);

    expect(stub.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });
});

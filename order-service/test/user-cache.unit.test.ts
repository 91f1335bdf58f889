import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CircuitOpenError, UpstreamError, UpstreamUnavailableError } from '@shop/shared/core';
import { fixedEndpoint } from '@shop/shared/discovery';
import { ServiceClient } from '@shop/shared/service-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecentUsers, createUserServiceClient } from '../src/clients/user-service.client';
import type { UserDirectory } from '../src/domain/user-directory';
import { UnknownUserError } from '../src/domain/order.errors';

describe('RecentUsers', () => {
  let now = 0;
  const cache = (maxEntries = 3, ttlMs = 1000) => new RecentUsers({ ttlMs, maxEntries, now: () => now });

  beforeEach(() => {
    now = 1_000_000;
  });

  it('knows a confirmed id and not one never seen', () => {
    const users = cache();
    users.confirm('a');
    expect(users.has('a')).toBe(true);
    expect(users.has('b')).toBe(false);
  });

  it('forgets an id once its confirmation is older than the TTL', () => {
    const users = cache(3, 1000);
    users.confirm('a');
    now += 1000;
    expect(users.has('a')).toBe(true);
    now += 1;
    expect(users.has('a')).toBe(false);
    expect(users.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the least recently confirmed', () => {
    const users = cache(3);
    for (const id of ['a', 'b', 'c']) users.confirm(id);
    users.confirm('a'); // a is now the most recent
    users.confirm('d');
    expect(users.size).toBe(3);
    expect(users.has('b')).toBe(false);
    for (const id of ['a', 'c', 'd']) expect(users.has(id)).toBe(true);
  });

  it('keeps nothing when maxEntries is 0', () => {
    const users = cache(0);
    users.confirm('a');
    expect(users.has('a')).toBe(false);
  });
});

describe('user-service client fallback', () => {
  type Mode = 'up' | 'down' | 'refuse';
  let mode: Mode;
  let hits: number;
  let server: http.Server;
  let http_: ServiceClient;
  let recentUsers: RecentUsers;
  let users: UserDirectory;
  const known = new Set(['u1', 'u2']);

  beforeEach(async () => {
    mode = 'up';
    hits = 0;
    server = http.createServer((req, res) => {
      hits++;
      if (mode === 'refuse') {
        req.socket.destroy();
        return;
      }
      const id = decodeURIComponent(req.url?.split('/').pop() ?? '');
      const status = mode === 'down' ? 503 : known.has(id) ? 200 : 404;
      const body = status === 200 ? { id, disabled: false } : { status, code: status === 404 ? 'USER.NOT_FOUND' : 'X' };
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    http_ = new ServiceClient({
      name: 'user-service',
      endpoint: fixedEndpoint(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
      retries: 0,
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 },
    });
    recentUsers = new RecentUsers({ ttlMs: 60_000, maxEntries: 100 });
    users = createUserServiceClient(http_, () => 'Bearer test', { recentUsers });
  });

  afterEach(async () => {
    http_.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers for a recently confirmed user while user-service is down', async () => {
    await users.assertUserExists('u1');
    mode = 'down';
    await expect(users.assertUserExists('u1')).resolves.toBeUndefined();
    mode = 'refuse';
    await expect(users.assertUserExists('u1')).resolves.toBeUndefined();
  });

  it('rethrows for a user it never confirmed', async () => {
    mode = 'down';
    await expect(users.assertUserExists('u2')).rejects.toBeInstanceOf(UpstreamError);
    mode = 'refuse';
    await expect(users.assertUserExists('u2')).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it('answers from the cache while the breaker is open, without calling', async () => {
    await users.assertUserExists('u1');
    mode = 'down';
    for (let i = 0; i < 3; i++) await users.assertUserExists('u1');
    const before = hits;
    await expect(users.assertUserExists('u1')).resolves.toBeUndefined();
    await expect(users.assertUserExists('u2')).rejects.toBeInstanceOf(CircuitOpenError);
    expect(hits).toBe(before);
  });

  it('never caches a 404, and a 404 forgets an earlier confirmation', async () => {
    await expect(users.assertUserExists('ghost')).rejects.toBeInstanceOf(UnknownUserError);
    expect(recentUsers.has('ghost')).toBe(false);

    await users.assertUserExists('u2');
    known.delete('u2');
    await expect(users.assertUserExists('u2')).rejects.toBeInstanceOf(UnknownUserError);
    mode = 'down';
    await expect(users.assertUserExists('u2')).rejects.toBeInstanceOf(UpstreamError);
    known.add('u2');
  });
});

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectProblem, startTestRegistry, TEST_REGISTRY_TOKEN, type TestRegistry } from './api-client';
import { buildRegistration } from './builders';

const BAD_AUTHORIZATIONS: [string, Record<string, string>][] = [
  ['no Authorization header', {}],
  ['a wrong token', { authorization: 'Bearer not-the-registry-token' }],
  ['the token with one more character', { authorization: `Bearer ${TEST_REGISTRY_TOKEN}x` }],
  ['the token cut short', { authorization: `Bearer ${TEST_REGISTRY_TOKEN.slice(0, -1)}` }],
  ['the token without the Bearer scheme', { authorization: TEST_REGISTRY_TOKEN }],
  ['the token under the Basic scheme', { authorization: `Basic ${TEST_REGISTRY_TOKEN}` }],
];

/** Everything a reader can see of the registry. */
const snapshot = async (registry: TestRegistry) => (await registry.http.get('/services')).body as unknown;

describe('writes need the registry token', () => {
  it.each(BAD_AUTHORIZATIONS)('with %s, a registration answers 401 and nothing is registered', async (_, headers) => {
    const registry = startTestRegistry();
    const before = await snapshot(registry);

    const response = await registry.http.post('/register').set(headers).send(buildRegistration());

    expectProblem(response, 401, 'AUTH.UNAUTHORIZED');
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(await snapshot(registry)).toEqual(before);
  });

  it.each(BAD_AUTHORIZATIONS)('with %s, a heartbeat answers 401 and the status is unchanged', async (_, headers) => {
    const registry = startTestRegistry();
    const { id } = await registry.register({ status: 'ready' });
    const before = await snapshot(registry);

    const response = await registry.http.post(`/heartbeat/${id}`).set(headers).send({ status: 'not-ready' });

    expectProblem(response, 401, 'AUTH.UNAUTHORIZED');
    expect(await snapshot(registry)).toEqual(before);
  });

  it.each(BAD_AUTHORIZATIONS)('with %s, a deregistration answers 401 and the instance stays', async (_, headers) => {
    const registry = startTestRegistry();
    const { id } = await registry.register();
    const before = await snapshot(registry);

    const response = await registry.http.delete(`/instances/${id}`).set(headers);

    expectProblem(response, 401, 'AUTH.UNAUTHORIZED');
    expect(await snapshot(registry)).toEqual(before);
  });

  it('the token is checked before the request: an unknown id or a bad body without it is 401, not 404 or 400', async () => {
    const registry = startTestRegistry();

    const heartbeat = await registry.http.post(`/heartbeat/${randomUUID()}`).send({ status: 'ready' });
    const registration = await registry.http.post('/register').send({ name: 'Bad_Name' });

    expectProblem(heartbeat, 401, 'AUTH.UNAUTHORIZED');
    expectProblem(registration, 401, 'AUTH.UNAUTHORIZED');
  });

  it('the token is checked before the body is read: malformed, non-JSON or oversized bodies without it are 401', async () => {
    const registry = startTestRegistry();

    const malformed = await registry.http.post('/register').set('content-type', 'application/json').send('{"name":');
    const text = await registry.http.post('/register').set('content-type', 'text/plain').send('hello');
    const huge = await registry.http
      .post('/register')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ padding: 'x'.repeat(200_000) }));

    for (const res of [malformed, text, huge]) expectProblem(res, 401, 'AUTH.UNAUTHORIZED');
  });

  it('the scheme is case-insensitive, as HTTP says', async () => {
    const registry = startTestRegistry();

    const response = await registry.http
      .post('/register')
      .set('authorization', `bearer ${TEST_REGISTRY_TOKEN}`)
      .send(buildRegistration());

    expect(response.status).toBe(201);
  });

  it('reads need no token', async () => {
    const registry = startTestRegistry();
    await registry.register();

    const responses = await Promise.all([
      registry.http.get('/services'),
      registry.http.get('/services/product-service'),
      registry.http.get('/discover/product-service'),
    ]);

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
  });
});

import { describe, expect, it } from 'vitest';
import type { InstanceTable } from '../src/domain/instance-table';
import { errorPaths, expectProblem, startTestRegistry, withToken } from './api-client';
import { buildRegistration } from './builders';

describe('bad input to service-registry', () => {
  it.each([
    'file:///etc/passwd',
    'http://user:pw@host:1',
    'http://host:1/path',
    'http://host:1?x=1',
    'http://host:1#top',
    'javascript:alert(1)',
    'not a url',
  ])('a registration at %s answers 400 naming body.url, and nothing is registered', async (url) => {
    const registry = startTestRegistry();

    const response = await registry.http.post('/register').set(withToken).send(buildRegistration({ url }));

    const problem = expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
    expect(errorPaths(problem)).toEqual(['body.url']);
    expect((await registry.http.get('/services')).body.services).toEqual([]);
  });

  it.each(['Product_Service', 'product service', '-product', 'a'.repeat(64)])(
    'a registration named %s answers 400 naming body.name',
    async (name) => {
      const registry = startTestRegistry();

      const response = await registry.http.post('/register').set(withToken).send(buildRegistration({ name }));

      const problem = expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
      expect(errorPaths(problem)).toEqual(['body.name']);
    },
  );

  it.each(['//metadata/latest', 'health', '/health/../admin', '/health/'])(
    'a health path %s (another host, relative, or not one reading) answers 400 naming body.healthPath',
    async (healthPath) => {
      const registry = startTestRegistry();

      const response = await registry.http.post('/register').set(withToken).send(buildRegistration({ healthPath }));

      const problem = expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
      expect(errorPaths(problem)).toEqual(['body.healthPath']);
    },
  );

  it('metadata with 17 entries answers 400 naming body.metadata', async () => {
    const registry = startTestRegistry();
    const metadata = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`key${i}`, 'value']));

    const response = await registry.http.post('/register').set(withToken).send(buildRegistration({ metadata }));

    const problem = expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
    expect(errorPaths(problem)).toEqual(['body.metadata']);
  });

  it('a metadata value of 300 characters answers 400 naming its key', async () => {
    const registry = startTestRegistry();

    const response = await registry.http
      .post('/register')
      .set(withToken)
      .send(buildRegistration({ metadata: { zone: 'z'.repeat(300) } }));

    const problem = expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
    expect(errorPaths(problem)).toEqual(['body.metadata.zone']);
  });

  it('16 metadata entries of 256 characters are accepted and listed as sent', async () => {
    const registry = startTestRegistry();
    const metadata = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`key${i}`, 'v'.repeat(256)]));

    await registry.register({ metadata });

    const [instance] = (await registry.http.get('/services/product-service')).body.instances;
    expect(instance.metadata).toEqual(metadata);
  });

  it('a registration with an unknown field answers 400 naming it', async () => {
    const registry = startTestRegistry();

    const response = await registry.http
      .post('/register')
      .set(withToken)
      .send({ ...buildRegistration(), weight: 10 });

    const problem = expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
    expect(JSON.stringify(problem.errors)).toContain('weight');
  });

  it('a registration without a body answers 400 naming each missing field', async () => {
    const registry = startTestRegistry();

    const response = await registry.http.post('/register').set(withToken);

    const problem = expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
    expect(errorPaths(problem)).toEqual(expect.arrayContaining(['body.name', 'body.url', 'body.version']));
  });

  it('an id that is not a UUID answers 400 naming params.id', async () => {
    const registry = startTestRegistry();

    const responses = await Promise.all([
      registry.http.post('/heartbeat/not-a-uuid').set(withToken).send({ status: 'ready' }),
      registry.http.delete('/instances/not-a-uuid').set(withToken),
    ]);

    for (const response of responses)
      expect(errorPaths(expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED'))).toEqual(['params.id']);
  });

  it('a name that is not a service name answers 400 naming params.name', async () => {
    const registry = startTestRegistry();

    const responses = await Promise.all([
      registry.http.get('/discover/Product_Service'),
      registry.http.get('/services/Product_Service'),
    ]);

    for (const response of responses)
      expect(errorPaths(expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED'))).toEqual(['params.name']);
  });

  it('when something fails inside, answers 500 INTERNAL without its message or a stack trace', async () => {
    const failing = new Error('secret internal detail');
    const table = {
      list: () => {
        throw failing;
      },
    } as unknown as InstanceTable;
    const registry = startTestRegistry({ table });

    const response = await registry.http.get('/services');

    expectProblem(response, 500, 'INTERNAL');
    expect(response.text).not.toContain('secret internal detail');
  });
});

import { bearer } from '@shop/test-support';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BODY_LIMIT_BYTES,
  buildRegistration,
  expectProblem,
  startUserService,
  type UserServiceUnderTest,
} from './api-client';

let service: UserServiceUnderTest;
beforeAll(async () => {
  service = await startUserService();
});
afterAll(async () => {
  await service.close();
});

describe('bad input', () => {
  it('when the body is malformed JSON, it answers 400 REQUEST.MALFORMED_JSON', async () => {
    const res = await request(service.app)
      .post('/auth/login')
      .set('content-type', 'application/json')
      .send('{"email": "a@example.com",');

    expectProblem(res, 400, 'REQUEST.MALFORMED_JSON');
  });

  it('when fields have the wrong types, it answers 400 with one entry per field in errors[]', async () => {
    const res = await service.register({ name: 42, email: ['a@example.com'], password: true });

    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
    const paths = (res.body.errors as { path: string }[]).map((error) => error.path).sort();
    expect(paths).toEqual(['body.email', 'body.name', 'body.password']);
  });

  it('when the body has an unknown field, it answers 400 naming it', async () => {
    const res = await service.register({ ...buildRegistration(), isAdmin: true });

    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
    expect(JSON.stringify(res.body.errors)).toContain('isAdmin');
  });

  it('when a $-operator is smuggled into the login body, it answers 400 and logs nobody in', async () => {
    await service.registerUser();

    const res = await service.login({ email: { $gt: '' }, password: 'x' });

    expectProblem(res, 400, 'REQUEST.OPERATOR_KEYS');
    expect(res.body.token).toBeUndefined();
  });

  it('when a $-operator is smuggled into the query string, it answers 400', async () => {
    const res = await service.get('/users?$where=1', bearer('admin'));

    expectProblem(res, 400, 'REQUEST.OPERATOR_KEYS');
  });

  it('when the body is larger than the limit, it answers 413', async () => {
    const res = await service.register(buildRegistration({ name: 'x'.repeat(2 * BODY_LIMIT_BYTES) }));

    expectProblem(res, 413, 'REQUEST.TOO_LARGE');
  });

  it('when the body is not JSON, it answers 415', async () => {
    const res = await request(service.app)
      .post('/auth/register')
      .set('content-type', 'text/plain')
      .send('name=Ada&email=a@example.com');

    expectProblem(res, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
  });

  it('when the body is missing, it answers 400 listing every required field', async () => {
    const res = await request(service.app).post('/auth/register');

    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
    expect(res.body.errors).toHaveLength(3);
  });

  it('when the route does not exist, it answers 404 problem+json', async () => {
    const res = await service.get('/nope');

    expectProblem(res, 404, 'ROUTE.NOT_FOUND');
  });
});

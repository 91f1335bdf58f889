import { randomUUID } from 'node:crypto';
import { leaseSchema } from '@shop/shared/discovery';
import { describe, expect, it } from 'vitest';
import { expectProblem, startTestRegistry, TTL_SECONDS, withToken } from './api-client';

describe('POST /heartbeat/:id', () => {
  it('answers 200 with the lease, and the instance stays available for another TTL', async () => {
    const registry = startTestRegistry();
    const { id, url } = await registry.register();
    registry.advance(TTL_SECONDS - 1);

    const response = await registry.http.post(`/heartbeat/${id}`).set(withToken).send({ status: 'ready' });
    registry.advance(TTL_SECONDS - 1);

    expect(response.status).toBe(200);
    expect(leaseSchema.parse(response.body)).toEqual({ id, ttlSeconds: TTL_SECONDS });
    expect(await registry.discoverUrl()).toBe(url);
    const [instance] = (await registry.http.get('/services/product-service')).body.instances;
    expect(instance).toMatchObject({
      registeredAt: '2030-01-01T00:00:00.000Z',
      lastHeartbeatAt: new Date(Date.parse('2030-01-01T00:00:00.000Z') + (TTL_SECONDS - 1) * 1000).toISOString(),
    });
  });

  it('for an id the registry does not know, answers 404 REGISTRY.INSTANCE_NOT_FOUND', async () => {
    const registry = startTestRegistry();

    const response = await registry.http.post(`/heartbeat/${randomUUID()}`).set(withToken).send({ status: 'ready' });

    expectProblem(response, 404, 'REGISTRY.INSTANCE_NOT_FOUND');
  });

  it('with a status other than ready or not-ready, answers 400 naming body.status and changes nothing', async () => {
    const registry = startTestRegistry();
    const { id } = await registry.register({ status: 'ready' });

    const response = await registry.http.post(`/heartbeat/${id}`).set(withToken).send({ status: 'expired' });

    const problem = expectProblem(response, 400, 'REQUEST.VALIDATION_FAILED');
    expect(problem.errors).toEqual([expect.objectContaining({ path: 'body.status' })]);
    expect(await registry.discoverUrl()).toEqual(expect.any(String));
  });
});

import { describe, expect, it } from 'vitest';
import { expectProblem, startTestRegistry, withToken } from './api-client';

describe('DELETE /instances/:id', () => {
  it('answers 204, then 404 for the same id, and the instance is no longer handed out nor listed', async () => {
    const registry = startTestRegistry();
    const { id } = await registry.register();

    const first = await registry.http.delete(`/instances/${id}`).set(withToken);
    const second = await registry.http.delete(`/instances/${id}`).set(withToken);

    expect(first.status).toBe(204);
    expect(first.text).toBe('');
    expectProblem(second, 404, 'REGISTRY.INSTANCE_NOT_FOUND');
    expectProblem(await registry.http.get('/discover/product-service'), 404, 'REGISTRY.NO_INSTANCE');
    // The service stays known, with no instances, for the grace period.
    expect((await registry.http.get('/services/product-service')).body).toEqual({
      name: 'product-service',
      instances: [],
    });
  });

  it('removes only that instance: the others of the service are still handed out', async () => {
    const registry = startTestRegistry();
    const leaving = await registry.register();
    const staying = await registry.register();

    await registry.http.delete(`/instances/${leaving.id}`).set(withToken);

    expect(new Set([await registry.discoverUrl(), await registry.discoverUrl()])).toEqual(new Set([staying.url]));
  });

  it('a heartbeat after deregistering answers 404, so the instance knows to register again', async () => {
    const registry = startTestRegistry();
    const { id } = await registry.register();
    await registry.http.delete(`/instances/${id}`).set(withToken);

    const response = await registry.http.post(`/heartbeat/${id}`).set(withToken).send({ status: 'ready' });

    expectProblem(response, 404, 'REGISTRY.INSTANCE_NOT_FOUND');
  });
});

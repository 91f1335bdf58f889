import { describe, expect, it } from 'vitest';
import { expectProblem, GRACE_SECONDS, startTestRegistry, TTL_SECONDS, withToken } from './api-client';

describe('instances that stop heartbeating', () => {
  it('an instance that misses its TTL is not handed out at once, is listed as expired, and is gone after the grace; its service, after another', async () => {
    const registry = startTestRegistry();
    const { id } = await registry.register();

    registry.advance(TTL_SECONDS - 1);
    const beforeTtl = await registry.discoverUrl();
    registry.advance(1);
    const atTtl = await registry.discoverUrl();
    const listedAtTtl = (await registry.http.get('/services/product-service')).body.instances;
    registry.advance(GRACE_SECONDS - 1);
    registry.sweep();
    const listedInGrace = (await registry.http.get('/services/product-service')).body.instances;
    registry.advance(1);
    registry.sweep();
    const emptyService = await registry.http.get('/services/product-service');
    registry.advance(GRACE_SECONDS);
    registry.sweep();

    expect(beforeTtl).toEqual(expect.any(String));
    expect(atTtl).toBe(404);
    expect(listedAtTtl).toEqual([expect.objectContaining({ id, status: 'expired' })]);
    expect(listedInGrace).toEqual([expect.objectContaining({ id, status: 'expired' })]);
    // Known but empty (it stopped), not unknown (as after a registry restart): callers tell them apart.
    expect(emptyService.status).toBe(200);
    expect(emptyService.body).toEqual({ name: 'product-service', instances: [] });
    expectProblem(await registry.http.get('/services/product-service'), 404, 'REGISTRY.SERVICE_NOT_FOUND');
    expect((await registry.http.get('/services')).body.services).toEqual([]);
  });

  it('a heartbeat during the grace revives the instance under the same id', async () => {
    const registry = startTestRegistry();
    const { id, url } = await registry.register();
    registry.advance(TTL_SECONDS + 10);
    registry.sweep();

    const response = await registry.http.post(`/heartbeat/${id}`).set(withToken).send({ status: 'ready' });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ id, ttlSeconds: TTL_SECONDS });
    expect(await registry.discoverUrl()).toBe(url);
    // Past the first expiry's removal time: the revived instance counts from its heartbeat.
    registry.advance(GRACE_SECONDS - 10);
    registry.sweep();
    const instances = (await registry.http.get('/services/product-service')).body.instances;
    expect(instances).toEqual([expect.objectContaining({ id, status: 'expired' })]);
  });

  it('after its removal, the instance heartbeating gets 404 and registering again gives it a new id', async () => {
    const registry = startTestRegistry();
    const { id, url } = await registry.register();
    registry.advance(TTL_SECONDS + GRACE_SECONDS);
    registry.sweep();

    const heartbeat = await registry.http.post(`/heartbeat/${id}`).set(withToken).send({ status: 'ready' });
    const again = await registry.http
      .post('/register')
      .set(withToken)
      .send({ name: 'product-service', url, version: '1.2.3', status: 'ready' });

    expectProblem(heartbeat, 404, 'REGISTRY.INSTANCE_NOT_FOUND');
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(id);
  });

  it('only the silent instance expires; the one that heartbeats keeps being handed out', async () => {
    const registry = startTestRegistry();
    const silent = await registry.register();
    const alive = await registry.register();

    registry.advance(TTL_SECONDS - 1);
    await registry.http.post(`/heartbeat/${alive.id}`).set(withToken).send({ status: 'ready' });
    registry.advance(1);

    const picks = new Set([await registry.discoverUrl(), await registry.discoverUrl()]);
    expect(picks).toEqual(new Set([alive.url]));
    const statuses = Object.fromEntries(
      (await registry.http.get('/services/product-service')).body.instances.map(
        (instance: { id: string; status: string }) => [instance.id, instance.status],
      ),
    );
    expect(statuses).toEqual({ [silent.id]: 'expired', [alive.id]: 'ready' });
  });
});

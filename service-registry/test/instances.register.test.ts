import { leaseSchema } from '@shop/shared/discovery';
import { describe, expect, it } from 'vitest';
import { expectProblem, GRACE_SECONDS, startTestRegistry, TTL_SECONDS, withToken } from './api-client';
import { buildRegistration } from './builders';

describe('POST /register', () => {
  it('a new name and url answers 201 with a lease and its Location; the same name and url again answers 200 with the same id', async () => {
    const registry = startTestRegistry();
    const registration = buildRegistration();

    const first = await registry.http.post('/register').set(withToken).send(registration);
    const again = await registry.http.post('/register').set(withToken).send(registration);

    expect(first.status).toBe(201);
    const lease = leaseSchema.parse(first.body);
    expect(lease.ttlSeconds).toBe(TTL_SECONDS);
    expect(first.headers.location).toBe(`/instances/${lease.id}`);
    expect(again.status).toBe(200);
    expect(leaseSchema.parse(again.body)).toEqual(lease);
    expect(again.headers.location).toBeUndefined();
    expect((await registry.http.get('/services/product-service')).body.instances).toHaveLength(1);
  });

  it('registering the same name and url again replaces its version, metadata and status', async () => {
    const registry = startTestRegistry();
    const { id, url } = await registry.register({ version: '1.0.0', metadata: { zone: 'a' }, status: 'ready' });

    await registry.register({ url, version: '1.1.0', metadata: { zone: 'b' }, status: 'not-ready' });

    const [instance] = (await registry.http.get('/services/product-service')).body.instances;
    expect(instance).toMatchObject({ id, version: '1.1.0', metadata: { zone: 'b' }, status: 'not-ready' });
  });

  it('the same address spelled differently (upper-case host, trailing slash) is the same instance', async () => {
    const registry = startTestRegistry();
    const first = await registry.register({ url: 'http://Node-1.internal:3002' });

    const second = await registry.register({ url: 'http://node-1.internal:3002/' });

    expect(second.id).toBe(first.id);
    const [instance] = (await registry.http.get('/services/product-service')).body.instances;
    expect(instance.url).toBe('http://node-1.internal:3002');
  });

  it('an instance that does not say it is ready is registered as not-ready and not handed out', async () => {
    const registry = startTestRegistry();
    const { status: _status, ...registration } = buildRegistration();

    const response = await registry.http.post('/register').set(withToken).send(registration);

    expect(response.status).toBe(201);
    const [instance] = (await registry.http.get('/services/product-service')).body.instances;
    expect(instance.status).toBe('not-ready');
    expect(await registry.discoverUrl()).toBe(404);
  });

  it('when REGISTRY_MAX_SERVICES (2) names are registered, a third name answers 507 REGISTRY.FULL and is not listed', async () => {
    const registry = startTestRegistry({ maxServices: 2 });
    await registry.register({ name: 'user-service' });
    await registry.register({ name: 'product-service' });

    const response = await registry.http
      .post('/register')
      .set(withToken)
      .send(buildRegistration({ name: 'order-service' }));

    const problem = expectProblem(response, 507, 'REGISTRY.FULL');
    expect(problem.detail).toMatch(/at most 2 services/);
    const names = (await registry.http.get('/services')).body.services.map((service: { name: string }) => service.name);
    expect(names).toEqual(['product-service', 'user-service']);
  });

  it('when the services are at their limit, another instance of a known name is still accepted', async () => {
    const registry = startTestRegistry({ maxServices: 1 });
    await registry.register({ name: 'user-service' });

    const response = await registry.http
      .post('/register')
      .set(withToken)
      .send(buildRegistration({ name: 'user-service' }));

    expect(response.status).toBe(201);
  });

  it('when a name has REGISTRY_MAX_INSTANCES_PER_SERVICE (2) instances, a third answers 507 REGISTRY.FULL; the known ones still renew', async () => {
    const registry = startTestRegistry({ maxInstancesPerService: 2 });
    const first = await registry.register();
    await registry.register();

    const third = await registry.http.post('/register').set(withToken).send(buildRegistration());
    const renewal = await registry.http
      .post('/register')
      .set(withToken)
      .send(buildRegistration({ url: first.url }));

    const problem = expectProblem(third, 507, 'REGISTRY.FULL');
    expect(problem.detail).toMatch(/at most 2 instances of product-service/);
    expect(renewal.status).toBe(200);
    expect((await registry.http.get('/services/product-service')).body.instances).toHaveLength(2);
  });

  it('an expired instance holds its place until its grace is over, then makes room without waiting for the sweep', async () => {
    const registry = startTestRegistry({ maxInstancesPerService: 1 });
    await registry.register();
    registry.advance(TTL_SECONDS);

    const duringGrace = await registry.http.post('/register').set(withToken).send(buildRegistration());
    registry.advance(GRACE_SECONDS);
    const afterGrace = await registry.http.post('/register').set(withToken).send(buildRegistration());

    expectProblem(duringGrace, 507, 'REGISTRY.FULL');
    expect(afterGrace.status).toBe(201);
    const instances = (await registry.http.get('/services/product-service')).body.instances;
    expect(instances.map((instance: { id: string }) => instance.id)).toEqual([afterGrace.body.id]);
  });
});

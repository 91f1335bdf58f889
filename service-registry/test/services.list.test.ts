import { serviceViewSchema, servicesViewSchema } from '@shop/shared/discovery';
import { describe, expect, it } from 'vitest';
import { expectProblem, startTestRegistry } from './api-client';

describe('GET /services and GET /services/:name', () => {
  it('lists every service by name, each with its instances by url, as the protocol describes them', async () => {
    const registry = startTestRegistry();
    await registry.register({ name: 'user-service', url: 'http://10.1.0.2:3001' });
    await registry.register({ name: 'product-service', url: 'http://10.1.0.9:3002' });
    await registry.register({ name: 'user-service', url: 'http://10.1.0.1:3001', status: 'not-ready' });

    const response = await registry.http.get('/services');

    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const view = servicesViewSchema.parse(response.body);
    expect(view.services.map((service) => [service.name, service.instances.map((instance) => instance.url)])).toEqual([
      ['product-service', ['http://10.1.0.9:3002']],
      ['user-service', ['http://10.1.0.1:3001', 'http://10.1.0.2:3001']],
    ]);
    expect(view.services[1]?.instances.map((instance) => instance.status)).toEqual(['not-ready', 'ready']);
  });

  it('with nothing registered, lists no services', async () => {
    const registry = startTestRegistry();

    const response = await registry.http.get('/services');

    expect(response.body).toEqual({ services: [] });
  });

  it('one service answers its name and instances, with only the protocol fields', async () => {
    const registry = startTestRegistry();
    const { id } = await registry.register({ name: 'order-service' });

    const response = await registry.http.get('/services/order-service');

    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const view = serviceViewSchema.parse(response.body);
    expect(view.name).toBe('order-service');
    expect(view.instances.map((instance) => instance.id)).toEqual([id]);
    expect(Object.keys(response.body.instances[0]).sort()).toEqual([
      'healthPath',
      'id',
      'lastHeartbeatAt',
      'metadata',
      'name',
      'registeredAt',
      'status',
      'url',
      'version',
    ]);
  });

  it('an unknown name answers 404 REGISTRY.SERVICE_NOT_FOUND', async () => {
    const registry = startTestRegistry();
    await registry.register({ name: 'user-service' });

    const response = await registry.http.get('/services/order-service');

    expectProblem(response, 404, 'REGISTRY.SERVICE_NOT_FOUND');
  });
});

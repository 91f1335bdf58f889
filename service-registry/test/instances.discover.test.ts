import { instanceViewSchema } from '@shop/shared/discovery';
import { describe, expect, it } from 'vitest';
import { expectProblem, startTestRegistry, withToken } from './api-client';

describe('GET /discover/:name', () => {
  it('answers a ready instance as the protocol describes it, never from a cache', async () => {
    const registry = startTestRegistry();
    const { id, url } = await registry.register({ version: '2.0.1', metadata: { zone: 'eu-1' } });

    const response = await registry.http.get('/discover/product-service');

    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(instanceViewSchema.parse(response.body)).toEqual({
      id,
      name: 'product-service',
      url,
      healthPath: '/health/ready',
      version: '2.0.1',
      metadata: { zone: 'eu-1' },
      status: 'ready',
      registeredAt: '2030-01-01T00:00:00.000Z',
      lastHeartbeatAt: '2030-01-01T00:00:00.000Z',
    });
  });

  it('with two ready instances, hands them out in turn', async () => {
    const registry = startTestRegistry();
    const a = await registry.register();
    const b = await registry.register();

    const picks = [];
    for (let i = 0; i < 4; i++) picks.push(await registry.discoverUrl());

    expect(new Set(picks)).toEqual(new Set([a.url, b.url]));
    expect(picks[0]).not.toBe(picks[1]);
    expect(picks[2]).toBe(picks[0]);
    expect(picks[3]).toBe(picks[1]);
  });

  it('the turn is kept per name: asking for another service does not skip an instance', async () => {
    const registry = startTestRegistry();
    const a = await registry.register();
    const b = await registry.register();
    await registry.register({ name: 'user-service' });

    const first = await registry.discoverUrl();
    await registry.discoverUrl('user-service');
    const second = await registry.discoverUrl();

    expect([first, second].sort()).toEqual([a.url, b.url].sort());
  });

  it('a not-ready instance is never handed out', async () => {
    const registry = startTestRegistry();
    const ready = await registry.register({ status: 'ready' });
    await registry.register({ status: 'not-ready' });

    const picks = new Set();
    for (let i = 0; i < 6; i++) picks.add(await registry.discoverUrl());

    expect(picks).toEqual(new Set([ready.url]));
  });

  it('an instance that heartbeats not-ready leaves the rotation, and comes back when it heartbeats ready', async () => {
    const registry = startTestRegistry();
    const { id } = await registry.register();

    await registry.http.post(`/heartbeat/${id}`).set(withToken).send({ status: 'not-ready' });
    const whileNotReady = await registry.discoverUrl();
    await registry.http.post(`/heartbeat/${id}`).set(withToken).send({ status: 'ready' });

    expect(whileNotReady).toBe(404);
    expect(await registry.discoverUrl()).toEqual(expect.any(String));
  });

  it('when only not-ready instances are registered, answers 404 REGISTRY.NO_INSTANCE', async () => {
    const registry = startTestRegistry();
    await registry.register({ status: 'not-ready' });

    const response = await registry.http.get('/discover/product-service');

    expectProblem(response, 404, 'REGISTRY.NO_INSTANCE');
  });

  it('when nothing is registered under the name, answers 404 REGISTRY.NO_INSTANCE', async () => {
    const registry = startTestRegistry();

    const response = await registry.http.get('/discover/order-service');

    expectProblem(response, 404, 'REGISTRY.NO_INSTANCE');
    expect(response.headers['cache-control']).toBe('no-store');
  });
});

import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { createLogger } from '@shop/shared/core';
import { createHttpMetrics, createServiceApp, serviceRouter } from '@shop/shared/http';

/** The shared service app with one echo route, as every service mounts its own. */
function echoApp() {
  const logger = createLogger('test', 'silent');
  return createServiceApp({
    logger,
    metrics: createHttpMetrics('test', logger),
    bodyLimitBytes: 10_000,
    readiness: [],
    routes: (app) => {
      // Mounted through a router, as the services mount theirs.
      const router = serviceRouter();
      router.post('/auth/login', (req, res) => {
        res.json({ received: req.body as unknown });
      });
      app.use(router);
    },
  });
}

describe('the service app every service shares', () => {
  it.each([
    ['UTF-7', 'application/json; charset=utf-7', Buffer.from('{"email":"a+AGw-ice@example.com"}', 'latin1')],
    ['UTF-16', 'application/json; charset=utf-16', Buffer.from('{"email":"alice@example.com"}', 'utf16le')],
    ['Latin-1', 'application/json; charset=latin1', Buffer.from('{"email":"alice@example.com"}', 'latin1')],
  ])(
    'a %s JSON body gets 415 REQUEST.UNSUPPORTED_CHARSET, so a service reads the same text as the gateway',
    async (_label, contentType, body) => {
      const res = await request(echoApp()).post('/auth/login').set('content-type', contentType).send(body);
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ status: 415, code: 'REQUEST.UNSUPPORTED_CHARSET' });
    },
  );

  it('a UTF-8 body, with or without a declared charset, is parsed', async () => {
    for (const contentType of [
      'application/json',
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
    ]) {
      const res = await request(echoApp())
        .post('/auth/login')
        .set('content-type', contentType)
        .send('{"email":"élise@example.com"}');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ received: { email: 'élise@example.com' } });
    }
  });

  it.each(['/auth/LOGIN', '/auth/login/', '/AUTH/login'])(
    'a case or trailing-slash variant (%s) of a route is not that route: 404',
    async (path) => {
      const res = await request(echoApp()).post(path).send({ email: 'alice@example.com' });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'ROUTE.NOT_FOUND' });
    },
  );

  it.each(['/AUTH/login', '/auth/LOGIN', '/auth/login/'])(
    'a route mounted through a router answers one spelling only: %s is 404',
    async (path) => {
      const res = await request(echoApp()).post(path).send({ email: 'a@b.c' });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'ROUTE.NOT_FOUND' });
    },
  );

  it('a body announced larger than the limit gets 413 at once and the connection closed, without waiting for the body', async () => {
    const server = echoApp().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const startedAt = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      let received = '';
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(
          'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000000000\r\n\r\n{',
        ),
      );
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    server.close();
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toMatch(/connection: close/i);
    expect(Date.now() - startedAt).toBeLessThan(2000);
  });
});

import { describe, expect, it } from 'vitest';
import { useGateways } from './harness';
import { expectProblem, rawRequest } from './support';

const gateway = useGateways();
const limits = {
  global: { windowMs: 60_000, limit: 10_000 },
  login: { windowMs: 60_000, limit: 2 },
  orders: { windowMs: 60_000, limit: 10_000 },
};

function login(url: string, contentType: string, body: Buffer) {
  return rawRequest(
    url,
    {
      method: 'POST',
      path: '/api/auth/login',
      headers: { 'content-type': contentType, 'content-length': body.length },
    },
    (req) => req.end(body),
  );
}

describe('one body encoding: JSON is read as UTF-8 by the gateway and every service alike', () => {
  it.each([
    [
      'UTF-7',
      'application/json; charset=utf-7',
      Buffer.from('{"email":"a+AGw-ice@example.com","password":"guess"}', 'latin1'),
    ],
    [
      'UTF-16LE',
      'application/json; charset=utf-16le',
      Buffer.from('{"email":"alice@example.com","password":"guess"}', 'utf16le'),
    ],
    [
      'UTF-16 (quoted, upper case)',
      'application/json; charset="UTF-16"',
      Buffer.from('{"email":"alice@example.com","password":"guess"}', 'utf16le'),
    ],
    [
      'Latin-1',
      'application/json; charset=iso-8859-1',
      Buffer.from('{"email":"alice@example.com","password":"guess"}', 'latin1'),
    ],
  ])(
    'a %s body gets 415 REQUEST.UNSUPPORTED_CHARSET and never reaches user-service',
    async (_label, contentType, body) => {
      const gw = await gateway({ limits });
      const res = await login(gw.url, contentType, body);
      expectProblem(res, 415, 'REQUEST.UNSUPPORTED_CHARSET');
      expect(gw.upstreams['user-service'].requests).toHaveLength(0);
    },
  );

  it('UTF-8, declared or not, passes; once the limit for an email is reached, a UTF-7 spelling of it is no way round', async () => {
    const gw = await gateway({ limits });
    const plain = Buffer.from('{"email":"alice@example.com","password":"guess"}');
    expect((await login(gw.url, 'application/json', plain)).status).toBe(200);
    expect((await login(gw.url, 'application/json; charset=UTF-8', plain)).status).toBe(200);
    expectProblem(await login(gw.url, 'application/json', plain), 429, 'RATE_LIMIT.EXCEEDED');
    for (const spelling of ['a+AGw-ice@example.com', '+AGE-lice@example.com', 'alic+AGU-@example.com']) {
      const res = await login(
        gw.url,
        'application/json; charset=utf-7',
        Buffer.from(`{"email":"${spelling}","password":"guess"}`),
      );
      expect(res.status).toBe(415);
    }
    expect(gw.upstreams['user-service'].requests).toHaveLength(2);
  });

  it.each([
    [
      'a charset hidden in a quoted parameter before the real one',
      'application/json; x="; charset=utf-8"; charset=utf-7',
    ],
    ['a quoted UTF-16 charset', 'application/json; charset="utf-16le"'],
  ])('%s is read as the services read it: 415, never forwarded', async (_label, contentType) => {
    const gw = await gateway({ limits });
    const res = await login(gw.url, contentType, Buffer.from('{"email":"+AGM-arol@example.com","password":"guess"}'));
    expectProblem(res, 415, 'REQUEST.UNSUPPORTED_CHARSET');
    expect(gw.upstreams['user-service'].requests).toHaveLength(0);
  });

  it('a body with a byte-order mark counts against the same email as one without', async () => {
    const gw = await gateway({ limits });
    const plain = Buffer.from('{"email":"alice@example.com","password":"guess"}');
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), plain]);
    expect((await login(gw.url, 'application/json', plain)).status).toBe(200);
    expect((await login(gw.url, 'application/json', plain)).status).toBe(200);
    expectProblem(await login(gw.url, 'application/json', withBom), 429, 'RATE_LIMIT.EXCEEDED');
    // Another address's count is its own: the mark did not make a fresh key for this one.
    expect(gw.upstreams['user-service'].requests).toHaveLength(2);
  });

  it('a body that is not JSON gets 415 REQUEST.UNSUPPORTED_MEDIA_TYPE at the gateway', async () => {
    const gw = await gateway();
    const body = Buffer.from('email=alice@example.com&password=guess');
    expectProblem(
      await login(gw.url, 'application/x-www-form-urlencoded', body),
      415,
      'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    );
    expect(gw.upstreams['user-service'].requests).toHaveLength(0);
  });
});

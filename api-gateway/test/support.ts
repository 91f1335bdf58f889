import { apiContract } from '@shop/test-support';
export { freePort } from '@shop/test-support';
import { request as httpRequest, type Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { expect } from 'vitest';

/** What the tests need from an answer, whether it came through supertest or node:http. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // Problem bodies are checked field by field; typing every one would add little.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** An RFC 9457 answer with the given status and stable `code`. */
export function expectProblem(res: Answer, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code });
}

/** A plain node:http request, for what supertest cannot express (chunked bodies, exact headers). */
export function rawRequest(
  url: string,
  options: { method?: string; path: string; headers?: OutgoingHttpHeaders; agent?: Agent },
  write?: (req: ReturnType<typeof httpRequest>) => void,
): Promise<Answer & { rawHeaders: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(options.path, url),
      { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          const answer = { status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.headers, body, text };
          // Like every supertest answer, checked against api-gateway/openapi.json.
          try {
            apiContract().assert({
              method: options.method ?? 'GET',
              path: options.path,
              status: answer.status,
              header: (name) => {
                const value = res.headers[name.toLowerCase()];
                return Array.isArray(value) ? value.join(', ') : value;
              },
              text,
            });
          } catch (mismatch) {
            reject(mismatch as Error);
            return;
          }
          resolve(answer);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (write === undefined) req.end();
    else write(req);
  });
}

/**
 * Every other spelling of a path that some parser could read as `canonical`. Each must either
 * get exactly the canonical path's decision or be refused before anything acts on it.
 */
export function variantsOf(canonical: string): [label: string, path: string, refusal: 400 | 404][] {
  const segments = canonical.split('/').slice(1);
  const last = segments.at(-1) ?? '';
  const head = canonical.slice(0, canonical.length - last.length - 1);
  const encodedFirstLetter = `%${last.charCodeAt(0).toString(16)}${last.slice(1)}`;
  return [
    ['upper-case last segment', `${head}/${last.toUpperCase()}`, 404],
    ['upper-case prefix', canonical.replace('/api/', '/API/'), 404],
    ['trailing slash', `${canonical}/`, 400],
    ['two trailing slashes', `${canonical}//`, 400],
    ['"//" inside', `${head}//${last}`, 400],
    ['leading "//"', `/${canonical}`, 400],
    ['encoded slash %2F', `${head}%2F${last}`, 400],
    ['encoded slash %2f', `${head}%2f${last}`, 400],
    ['dot segment', `${head}/./${last}`, 400],
    ['encoded dot segment %2e', `${head}/%2e/${last}`, 400],
    ['dot-dot segment', `${head}/x/../${last}`, 400],
    ['encoded dot-dot %2e%2e', `${head}/x/%2e%2e/${last}`, 400],
    ['percent-encoded letter', `${head}/${encodedFirstLetter}`, 400],
    ['matrix parameter ";"', `${canonical};x=1`, 400],
    ['backslash', `${head}\\${last}`, 400],
    ['absolute-form target', `http://localhost${canonical}`, 400],
  ];
}

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
          resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.headers, body, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (write === undefined) req.end();
    else write(req);
  });
}

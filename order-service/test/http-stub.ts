import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
}

/**
 * How to answer one request: `json` is serialised, `raw` sent as is; `'no-answer'` never answers
 * (the caller times out); `'drop'` sends the head and half a body, then destroys the socket.
 */
export type StubReply =
  { status: number; json?: unknown; raw?: string; headers?: Record<string, string> } | 'no-answer' | 'drop';

export interface HttpStub {
  url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Decides each answer; may be replaced between calls. `index` counts from 1. */
  reply: (request: RecordedRequest, index: number) => StubReply | Promise<StubReply>;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and a free port, so a client's whole stack meets each answer. */
export async function startHttpStub(reply: HttpStub['reply'] = () => ({ status: 204 })): Promise<HttpStub> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text === '' ? undefined : JSON.parse(text),
      };
      requests.push(recorded);
      void Promise.resolve(stub.reply(recorded, requests.length)).then((answer) => send(res, answer));
    });
  });
  const stub: HttpStub = {
    url: '',
    requests,
    reply,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stub;
}

function send(res: http.ServerResponse, answer: StubReply): void {
  if (answer === 'no-answer') return;
  if (answer === 'drop') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
    res.write('{"orderId":');
    setTimeout(() => res.socket?.destroy(), 10);
    return;
  }
  const text = answer.raw ?? (answer.json === undefined ? '' : JSON.stringify(answer.json));
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(text);
}

/** A URL on which nothing listens: connecting is refused. */
export async function refusingUrl(): Promise<string> {
  const stub = await startHttpStub();
  await stub.close();
  return stub.url;
}

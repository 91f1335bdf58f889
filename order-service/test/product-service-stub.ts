import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
}

export interface ReserveRequest {
  orderId: string;
  items: { productId: string; quantity: number }[];
}

/** An answer to send: `json` is serialised; `raw` is sent as is (for bodies that are not JSON). */
export type StubAnswer = { status: number; json: unknown } | { status: number; raw: string };

export interface ProductServiceStub {
  url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** How POST /reservations is answered; by default an honest reservation of every line at 19.99. */
  answerReserve: (request: ReserveRequest) => StubAnswer;
  /** The release calls received for one order id. */
  releasesOf(orderId: string): RecordedRequest[];
  /** The reserve calls made while serving the request with this X-Request-Id. */
  reservesFor(requestId: string): RecordedRequest[];
  close(): Promise<void>;
}

export const honestReservation = ({ orderId, items }: ReserveRequest) => ({
  orderId,
  status: 'reserved',
  items: items.map(({ productId, quantity }) => ({ productId, name: 'Desk lamp', quantity, unitPrice: 19.99 })),
});

/**
 * A real HTTP server on 127.0.0.1 posing as product-service, so order-service's real client
 * (parsing, validation, error mapping) is what meets a crafted answer. Release calls always
 * succeed, and are recorded so a test can see that compensation happened.
 */
export async function startProductServiceStub(): Promise<ProductServiceStub> {
  const requests: RecordedRequest[] = [];
  const stub: ProductServiceStub = {
    url: '',
    requests,
    answerReserve: (request) => ({ status: 201, json: honestReservation(request) }),
    releasesOf: (orderId) => requests.filter((r) => r.method === 'POST' && r.url === `/reservations/${orderId}/release`),
    reservesFor: (requestId) => requests.filter((r) => r.method === 'POST' && r.url === '/reservations' && r.headers['x-request-id'] === requestId),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };

  const send = (res: http.ServerResponse, answer: StubAnswer) => {
    const text = 'raw' in answer ? answer.raw : JSON.stringify(answer.json);
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body: unknown = text === '' ? undefined : JSON.parse(text);
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const release = /^\/reservations\/([^/]+)\/release$/.exec(recorded.url);
      if (recorded.method === 'POST' && release !== null) {
        send(res, { status: 200, json: { orderId: release[1], status: 'released' } });
      } else if (recorded.method === 'POST' && recorded.url === '/reservations') {
        send(res, stub.answerReserve(body as ReserveRequest));
      } else {
        send(res, { status: 404, json: { status: 404, code: 'ROUTE.NOT_FOUND' } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stub;
}

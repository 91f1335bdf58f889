import { startHttpStub, type RecordedRequest, type StubReply } from './http-stub';

export type { RecordedRequest, StubReply } from './http-stub';

export interface ReserveRequest {
  orderId: string;
  items: { productId: string; quantity: number }[];
}

export interface ProductServiceStub {
  url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** How POST /reservations is answered; by default an honest reservation of every line at 19.99. */
  answerReserve: (request: ReserveRequest) => StubReply;
  /** How POST /reservations/:orderId/release is answered; by default 200 released. */
  answerRelease: (orderId: string) => StubReply;
  /** The release calls received for one order id. */
  releasesOf(orderId: string): RecordedRequest[];
  /** The reserve calls made while serving the request with this X-Request-Id. */
  reservesFor(requestId: string): RecordedRequest[];
  /** Every call (reserve or release) made while serving the request with this X-Request-Id. */
  callsFor(requestId: string): RecordedRequest[];
  close(): Promise<void>;
}

export const honestReservation = ({ orderId, items }: ReserveRequest) => ({
  orderId,
  status: 'reserved',
  items: items.map(({ productId, quantity }) => ({ productId, name: 'Desk lamp', quantity, unitPrice: 19.99 })),
});

export const releasedAnswer = (orderId: string): StubReply => ({ status: 200, json: { orderId, status: 'released' } });

/**
 * A real HTTP server on 127.0.0.1 posing as product-service, so order-service's real client
 * (parsing, validation, error mapping) is what meets a crafted answer. Release calls succeed
 * unless told otherwise, and are recorded so a test can see whether compensation happened.
 */
export async function startProductServiceStub(): Promise<ProductServiceStub> {
  const server = await startHttpStub((request) => {
    const release = /^\/reservations\/([^/]+)\/release$/.exec(request.url);
    if (request.method === 'POST' && release !== null) return stub.answerRelease(decodeURIComponent(release[1]!));
    if (request.method === 'POST' && request.url === '/reservations')
      return stub.answerReserve(request.body as ReserveRequest);
    return { status: 404, json: { status: 404, code: 'ROUTE.NOT_FOUND' } };
  });
  const { requests } = server;
  const stub: ProductServiceStub = {
    url: server.url,
    requests,
    answerReserve: (request) => ({ status: 201, json: honestReservation(request) }),
    answerRelease: releasedAnswer,
    releasesOf: (orderId) =>
      requests.filter((r) => r.method === 'POST' && r.url === `/reservations/${orderId}/release`),
    reservesFor: (requestId) =>
      requests.filter(
        (r) => r.method === 'POST' && r.url === '/reservations' && r.headers['x-request-id'] === requestId,
      ),
    callsFor: (requestId) => requests.filter((r) => r.headers['x-request-id'] === requestId),
    close: () => server.close(),
  };
  return stub;
}

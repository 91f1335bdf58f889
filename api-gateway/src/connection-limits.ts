import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ipKeyGenerator } from 'express-rate-limit';

export interface ConnectionLimits {
  /** Open connections for the whole process; 0 for no cap. */
  total: number;
  /** Open connections from one client address (IPv6 grouped by /56); 0 for no cap. */
  perClient: number;
}

// Written straight to the socket: a refused connection never reaches the HTTP parser or the app.
function refusal(detail: string): string {
  const body = JSON.stringify({
    type: 'about:blank',
    title: 'Service Unavailable',
    status: 503,
    code: 'CONNECTION.LIMIT',
    detail,
  });
  return [
    'HTTP/1.1 503 Service Unavailable',
    'Content-Type: application/problem+json',
    'Retry-After: 1',
    // As on every other answer (the contract requires it): an id to quote when reporting it.
    `X-Request-Id: ${randomUUID()}`,
    'Connection: close',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/**
 * Caps the connections a server holds open, in all and per client address, so that clients
 * holding many connections (slow bodies, idle keep-alives) cannot exhaust the process. A
 * connection beyond a cap is answered 503 with `Retry-After` at once and closed.
 *
 * The address is the socket's peer: behind a load balancer every connection comes from it, so
 * there set the per-client cap to 0 and let the load balancer cap per client.
 */
export function limitConnections(
  server: Server,
  limits: ConnectionLimits,
  onRefused: (scope: 'total' | 'client') => void,
): void {
  let open = 0;
  const perClient = new Map<string, number>();
  const refused = new WeakSet<Socket>();
  // The HTTP server adopts every socket (its own 'connection' listener runs after ours) and may
  // parse a request that was already on the wire: such a request is dropped, never handled.
  const handlers = server.listeners('request') as ((...args: unknown[]) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (refused.has(req.socket)) {
      res.destroy();
      return;
    }
    for (const handler of handlers) handler(req, res);
  });
  server.prependListener('connection', (socket: Socket) => {
    const client = ipKeyGenerator(socket.remoteAddress ?? 'unknown');
    const fromClient = perClient.get(client) ?? 0;
    const scope =
      limits.total > 0 && open >= limits.total
        ? 'total'
        : limits.perClient > 0 && fromClient >= limits.perClient
          ? 'client'
          : undefined;
    if (scope !== undefined) {
      onRefused(scope);
      refused.add(socket);
      socket.end(
        refusal(
          scope === 'total'
            ? 'The gateway is at its connection limit; retry shortly'
            : 'Too many open connections from your address; retry shortly',
        ),
      );
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    open++;
    perClient.set(client, fromClient + 1);
    socket.once('close', () => {
      open--;
      const left = (perClient.get(client) ?? 1) - 1;
      if (left === 0) perClient.delete(client);
      else perClient.set(client, left);
    });
  });
}

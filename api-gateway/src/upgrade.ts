import { ServerResponse, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** An upgrade request's connection, held by its HTTP response until a handler takes it over. */
export interface PendingUpgrade {
  socket: Socket;
  head: Buffer;
}

const pending = new WeakMap<IncomingMessage, PendingUpgrade & { isTaken: boolean }>();

/**
 * A WebSocket handshake without a body: the only upgrade the gateway takes off the HTTP parser
 * (the server's `shouldUpgradeCallback`). Others (`h2c`) stay ordinary requests.
 */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  return req.method === 'GET' && req.headers.upgrade?.toLowerCase() === 'websocket' && !hasBody;
}

/**
 * Sends every upgrade request the server lets through (`isWebSocketUpgrade`) to `app`, like any
 * other request: the same path check, routing, rate limit, authentication and error answers
 * (problem+json, then the connection is closed). A handler that accepts one answers 101 on
 * `upgradeOf(req).socket` and calls `completeUpgrade`.
 */
export function routeUpgrades(server: Server, app: RequestListener): void {
  server.on('upgrade', (req: IncomingMessage, duplex: Duplex, head: Buffer) => {
    // An HTTP server's upgrade stream is its net.Socket (typed as a Duplex for other transports).
    const socket = duplex as Socket;
    // The HTTP server has let go of the socket and its error listener with it.
    socket.on('error', () => socket.destroy());
    // Refused by the connection cap (answered and ended) before this request was parsed: the
    // refusal goes out, nothing else.
    if (!socket.writable) {
      socket.destroySoon();
      return;
    }
    const upgrade = { socket, head, isTaken: false };
    pending.set(req, upgrade);
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false; // `Connection: close`: a refused upgrade ends its connection
    res.assignSocket(socket);
    res.once('finish', () => {
      if (upgrade.isTaken) return;
      res.detachSocket(socket);
      socket.destroySoon();
    });
    app(req, res);
  });
}

/** The connection of an upgrade request routed by `routeUpgrades`; `undefined` for a plain request. */
export function upgradeOf(req: IncomingMessage): PendingUpgrade | undefined {
  const upgrade = pending.get(req);
  return upgrade === undefined || upgrade.isTaken ? undefined : upgrade;
}

/**
 * Marks the upgrade accepted (the handler has answered 101 on the socket itself) and lets go of
 * the HTTP response, whose request is then counted and logged as finished with status 101.
 */
export function completeUpgrade(req: IncomingMessage, res: ServerResponse): void {
  const upgrade = pending.get(req);
  if (upgrade === undefined) return;
  upgrade.isTaken = true;
  res.detachSocket(upgrade.socket);
  res.statusCode = 101;
  res.emit('finish');
}

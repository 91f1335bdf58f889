import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, ForbiddenError, type Logger, type Principal } from '@shop/shared/core';
import type { OrderEvent } from '@shop/shared/events';
import { WebSocket, WebSocketServer } from 'ws';
import type { GatewayMetrics, LiveDropReason, RejectionReason } from './metrics.js';
import { completeUpgrade, upgradeOf } from './upgrade.js';

export interface LiveFeedSettings {
  /** Open sockets on this worker; an upgrade beyond it gets 503 `CONNECTION.LIMIT`. */
  maxConnections: number;
  /** Open sockets of one user on this worker; an upgrade beyond it gets 429 `LIVE.TOO_MANY_CONNECTIONS`. */
  maxConnectionsPerUser: number;
  /** A ping this often; a socket that has not answered the previous one is cut. */
  pingIntervalMs: number;
  /** A socket with more than this waiting to be sent when a message is due is closed, not buffered further. */
  maxBufferedBytes: number;
}

/** Whether this worker is following the order event stream (docs/events.md, "Live feed"). */
export type FeedStatus = { state: 'live' } | { state: 'degraded'; reason: string };

export interface LiveFeed {
  /**
   * Takes over the WebSocket upgrade of an authenticated request and answers 101, or throws the
   * AppError to answer instead (no 101 is sent then).
   */
  accept(req: IncomingMessage, res: ServerResponse, principal: Principal, tokenExpiresAt: number): void;
  /** Whether any socket of this user is open here (events of other users need not be parsed). */
  isListening(userId: string): boolean;
  /** Sends the event to its user's sockets, and only theirs. */
  deliver(event: OrderEvent): void;
  /** Tells every socket when the stream is lost or back; a new socket is told the current status first. */
  setStatus(status: FeedStatus): void;
  /** Shutdown: refuses new sockets and closes every open one with 1001; resolves when all are gone. */
  close(): Promise<void>;
}

/** A client sends nothing meaningful; a larger frame closes its socket (1009). */
const MAX_CLIENT_MESSAGE_BYTES = 1024;
/** Pongs accepted between two pings (one answers the ping; a few spare for a client's own keep-alive). */
const MAX_PONGS_PER_PING = 3;

/** How long a socket being closed has to answer the close handshake before it is cut. */
const CLOSE_GRACE_MS = 1000;
/** Timers beyond this fire at once (Node's limit, about 24.8 days; tokens live a day at most). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Close codes: 1001 going away (shutdown), 1013 try again later (too slow), 4001 the token expired. */
const CLOSE = {
  goingAway: [1001, 'gateway shutting down'],
  slowClient: [1013, 'too slow: messages were not read'],
  clientSpoke: [1008, 'this feed takes no messages'],
  tokenExpired: [4001, 'token expired'],
} as const;

const CLOSE_FOR = {
  slow_client: CLOSE.slowClient,
  token_expired: CLOSE.tokenExpired,
  client_spoke: CLOSE.clientSpoke,
} as const;

interface Client {
  ws: WebSocket;
  userId: string;
  /** Answered the last ping. */
  isAlive: boolean;
  /** Pongs since the last ping; a client that sends them unasked is flooding. */
  pongs: number;
  expiry: NodeJS.Timeout;
}

export function createLiveFeed(
  settings: LiveFeedSettings,
  deps: { metrics: GatewayMetrics; logger: Logger },
): LiveFeed {
  const { metrics, logger } = deps;
  const byUser = new Map<string, Set<Client>>();
  let open = 0;
  const statusMessage = (status: FeedStatus) => JSON.stringify({ type: 'feed.status', ...status });
  let currentStatus = statusMessage({ state: 'degraded', reason: 'starting' });
  let isClosing = false;

  const server = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: MAX_CLIENT_MESSAGE_BYTES,
    // The token offered as a subprotocol is never echoed: only `bearer` is chosen.
    handleProtocols: (protocols) => (protocols.has('bearer') ? 'bearer' : false),
  });
  // With a listener, a malformed handshake is left to us (a problem+json answer) instead of ws.
  const handshakeErrors = new WeakMap<IncomingMessage, Error>();
  server.on('wsClientError', (error: Error, _socket: unknown, req: IncomingMessage) => {
    handshakeErrors.set(req, error);
  });

  const send = (client: Client, type: 'order.status' | 'feed.status', message: string) => {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    if (client.ws.bufferedAmount > settings.maxBufferedBytes) {
      drop(client, 'slow_client');
      return;
    }
    client.ws.send(message);
    metrics.live.messages.inc({ type });
  };

  const closeGently = (client: Client, [code, reason]: readonly [number, string]) => {
    client.ws.close(code, reason);
    setTimeout(() => client.ws.terminate(), CLOSE_GRACE_MS).unref();
  };

  const drop = (client: Client, reason: LiveDropReason) => {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    metrics.live.dropped.inc({ reason });
    logger.info({ userId: client.userId, reason }, 'live feed socket dropped');
    if (reason === 'heartbeat') client.ws.terminate();
    else closeGently(client, CLOSE_FOR[reason]);
  };

  const forget = (client: Client) => {
    clearTimeout(client.expiry);
    const clients = byUser.get(client.userId);
    if (clients?.delete(client) !== true) return;
    if (clients.size === 0) byUser.delete(client.userId);
    open--;
    metrics.live.connections.set(open);
  };

  const heartbeat = setInterval(() => {
    for (const clients of byUser.values()) {
      for (const client of clients) {
        if (client.ws.readyState !== WebSocket.OPEN) continue;
        if (!client.isAlive) {
          drop(client, 'heartbeat');
          continue;
        }
        client.isAlive = false;
        client.pongs = 0;
        client.ws.ping();
      }
    }
  }, settings.pingIntervalMs);
  heartbeat.unref();

  const refuse = (reason: RejectionReason, error: AppError): never => {
    metrics.rejections.inc({ reason });
    throw error;
  };

  const register = (ws: WebSocket, principal: Principal, tokenExpiresAt: number) => {
    const client: Client = {
      ws,
      userId: principal.id,
      isAlive: true,
      pongs: 0,
      expiry: setTimeout(() => drop(client, 'token_expired'), Math.min(tokenExpiresAt - Date.now(), MAX_TIMER_MS)),
    };
    client.expiry.unref();
    let clients = byUser.get(client.userId);
    if (clients === undefined) byUser.set(client.userId, (clients = new Set()));
    clients.add(client);
    open++;
    metrics.live.connections.set(open);
    // The feed only talks: a client that sends data, or pongs nobody asked for, costs CPU for
    // nothing and is closed (a browser sends neither; its pongs answer our pings).
    ws.on('pong', () => {
      client.isAlive = true;
      if (++client.pongs > MAX_PONGS_PER_PING) drop(client, 'client_spoke');
    });
    ws.on('message', () => drop(client, 'client_spoke'));
    ws.on('error', (error) => logger.debug({ err: error, userId: client.userId }, 'live feed socket error'));
    ws.on('close', () => forget(client));
    send(client, 'feed.status', currentStatus);
  };

  return {
    accept(req, res, principal, tokenExpiresAt) {
      if (principal.role !== 'user' && principal.role !== 'admin')
        throw new ForbiddenError('The live feed is for shoppers and admins');
      if (isClosing) throw new AppError('LIVE.UNAVAILABLE', 503, 'The gateway is shutting down; reconnect');
      if (open >= settings.maxConnections)
        refuse(
          'live_connections_total',
          new AppError('CONNECTION.LIMIT', 503, 'The live feed is at its connection limit; retry shortly', {
            headers: { 'Retry-After': '5' },
          }),
        );
      if ((byUser.get(principal.id)?.size ?? 0) >= settings.maxConnectionsPerUser)
        refuse(
          'live_connections_user',
          new AppError(
            'LIVE.TOO_MANY_CONNECTIONS',
            429,
            `At most ${settings.maxConnectionsPerUser} live feed connections per user; close one first`,
          ),
        );
      const upgrade = upgradeOf(req);
      if (upgrade === undefined) throw new Error('accept() needs a request routed by routeUpgrades()');
      // Synchronous: without `verifyClient`, ws answers 101 and calls back before returning.
      let accepted: WebSocket | undefined;
      server.handleUpgrade(req, upgrade.socket, upgrade.head, (ws) => {
        accepted = ws;
      });
      if (accepted === undefined) {
        const error = handshakeErrors.get(req);
        // No error: the client left before the answer, and there is no one to answer.
        if (error === undefined) return;
        throw new AppError('REQUEST.INVALID', 400, `Not a valid WebSocket handshake: ${error.message}`, {
          headers: { 'Sec-WebSocket-Version': '13' },
        });
      }
      completeUpgrade(req, res);
      register(accepted, principal, tokenExpiresAt);
    },

    isListening: (userId) => byUser.has(userId),

    deliver(event) {
      const clients = byUser.get(event.userId);
      if (clients === undefined) return;
      const message = JSON.stringify({
        type: 'order.status',
        eventId: event.id,
        orderId: event.orderId,
        status: event.status,
        event: event.type,
        time: event.time,
        totalCents: event.totalCents,
      });
      for (const client of clients) send(client, 'order.status', message);
    },

    setStatus(status) {
      const message = statusMessage(status);
      if (message === currentStatus) return;
      currentStatus = message;
      for (const clients of byUser.values()) for (const client of clients) send(client, 'feed.status', message);
    },

    async close() {
      isClosing = true;
      clearInterval(heartbeat);
      const closed = [...byUser.values()].flatMap((clients) =>
        [...clients].map((client) => {
          const gone = new Promise<void>((resolve) => client.ws.once('close', () => resolve()));
          closeGently(client, CLOSE.goingAway);
          return gone;
        }),
      );
      await Promise.all(closed);
    },
  };
}

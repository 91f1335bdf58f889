import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test-only fault injection: a small node:http reverse proxy put in front of product-service
 * (order-service's PRODUCT_SERVICE_URL points at it). Every request is forwarded at once, so
 * product-service applies each reservation as usual; only the *answer* to `POST /reservations`
 * can be delayed or held back, which is what a slow network or an overloaded service looks like
 * to the caller: the work is done, the answer is late.
 */
export type ReservationMode =
  /** Forward every answer at once. */
  | { kind: 'pass' }
  /** Hold each answer for `ms`; with `firstAttemptOnly`, only the first answer per Idempotency-Key. */
  | { kind: 'delay'; ms: number; firstAttemptOnly?: boolean }
  /** Keep every answer until `dropHeld()` (or `close()`) cuts the connections without answering. */
  | { kind: 'hold' };

export interface DelayProxyStats {
  /** `POST /reservations` calls forwarded. */
  reservations: number;
  /** Answers product-service gave them, by status (201 new, 200 replay of the same key, 409, ...). */
  reservationStatuses: Record<number, number>;
  delayed: number;
  held: number;
  /** Delayed answers whose caller had already given up (timed out) when the delay ended. */
  abandonedByCaller: number;
  /** Requests of any kind forwarded to product-service and not answered yet (it is working on them). */
  inFlight: number;
}

export interface DelayProxy {
  url: string;
  port: number;
  setMode(mode: ReservationMode): void;
  stats(): DelayProxyStats;
  /** Resolves once `count` answers are held (hold mode); rejects after `timeoutMs`. */
  waitForHeld(count: number, timeoutMs: number): Promise<void>;
  /** Cuts the connections of every held answer without sending it. Returns how many there were. */
  dropHeld(): number;
  close(): Promise<void>;
}

interface Waiter {
  count: number;
  resolve: () => void;
}

export async function startDelayProxy(target: string, port = 0): Promise<DelayProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  let mode: ReservationMode = { kind: 'pass' };
  const seenKeys = new Set<string>();
  const held = new Set<http.ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  let waiters: Waiter[] = [];
  const stats: DelayProxyStats = {
    reservations: 0,
    reservationStatuses: {},
    delayed: 0,
    held: 0,
    abandonedByCaller: 0,
    inFlight: 0,
  };

  const countStatus = (status: number) => {
    stats.reservationStatuses[status] = (stats.reservationStatuses[status] ?? 0) + 1;
  };

  const server = http.createServer((req, res) => {
    const isReservation = req.method === 'POST' && (req.url ?? '').split('?')[0] === '/reservations';
    // The request's own mode: a mode change later does not affect an answer already on its way.
    const requestMode = mode;
    const key = req.headers['idempotency-key'];
    const isFirstAttempt = typeof key !== 'string' || !seenKeys.has(key);
    if (isReservation && typeof key === 'string') seenKeys.add(key);
    if (isReservation) stats.reservations++;
    res.on('error', () => undefined);
    stats.inFlight++;
    let isCounted = true;
    const answered = () => {
      if (isCounted) stats.inFlight--;
      isCounted = false;
    };

    const up = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent },
      (upRes) => {
        answered();
        if (!isReservation || requestMode.kind === 'pass') {
          if (isReservation) countStatus(upRes.statusCode ?? 502);
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
          return;
        }
        // Read the whole answer first: product-service has done its work by now.
        const chunks: Buffer[] = [];
        upRes.on('data', (chunk: Buffer) => chunks.push(chunk));
        upRes.on('end', () => {
          const status = upRes.statusCode ?? 502;
          countStatus(status);
          const send = () => {
            if (res.destroyed || req.socket.destroyed) {
              stats.abandonedByCaller++;
              return;
            }
            res.writeHead(status, upRes.headers);
            res.end(Buffer.concat(chunks));
          };
          if (requestMode.kind === 'hold') {
            held.add(res);
            stats.held++;
            res.once('close', () => held.delete(res));
            const ready = waiters.filter((w) => stats.held >= w.count);
            waiters = waiters.filter((w) => stats.held < w.count);
            for (const waiter of ready) waiter.resolve();
            return;
          }
          if (requestMode.firstAttemptOnly === true && !isFirstAttempt) {
            send();
            return;
          }
          stats.delayed++;
          const timer = setTimeout(() => {
            timers.delete(timer);
            send();
          }, requestMode.ms);
          timers.add(timer);
        });
      },
    );
    // product-service unreachable (stopped, killed): the caller sees what it would see without the
    // proxy, a cut connection, not an answer made up here.
    up.on('error', () => {
      answered();
      req.socket.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;

  const dropHeld = (): number => {
    const count = held.size;
    for (const res of held) res.destroy();
    held.clear();
    return count;
  };

  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    setMode(next) {
      mode = next;
    },
    stats: () => ({ ...stats, reservationStatuses: { ...stats.reservationStatuses } }),
    waitForHeld(count, timeoutMs) {
      if (stats.held >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter: Waiter = { count, resolve };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`the proxy held ${stats.held} of ${count} reservation answers within ${timeoutMs} ms`));
        }, timeoutMs);
        waiter.resolve = () => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push(waiter);
      });
    },
    dropHeld,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      dropHeld();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}

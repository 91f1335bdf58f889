import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import path from 'node:path';
import type { Express } from 'express';
import type { z } from 'zod';
import { ConfigError, parseConfig, type ServiceConfig } from '../core/config.js';
import { SERVER_HEADERS_TIMEOUT_MS, SERVER_KEEP_ALIVE_MS, SERVER_REQUEST_TIMEOUT_MS } from './keep-alive.js';
import { markDraining } from './lifecycle.js';
import { getRequestId } from '../core/request-context.js';
import { createLogger, type Logger } from '../core/logger.js';
import {
  advertisedUrl,
  localUrl,
  startRegistration,
  type RegisteredInstance,
  type RegistrationSettings,
} from '../discovery/registration.js';

export interface StartedService {
  app: Express;
  /** Releases what the service holds (database, timers); called after the server stops. */
  close(): Promise<void>;
  /** Adjusts the listening server (connection caps, a second port) before it accepts traffic. */
  configureServer?(server: Server): void;
  /**
   * Which requests with an `Upgrade` header go to the server's 'upgrade' listeners (added in
   * `configureServer`); the others are ordinary requests. Default: none.
   */
  shouldUpgrade?(req: IncomingMessage): boolean;
  /**
   * Called at shutdown when the server stops accepting, before it waits for open connections to
   * end: close those that never end by themselves (WebSockets), or the exit waits for the timeout.
   */
  closeLongLivedConnections?(): void;
  /** Registers the instance with the service registry once it listens (see `registrationSettings`). */
  registration?: RegistrationSettings;
}

/** Bound on deregistering at shutdown: a registry that does not answer must not hold the exit. */
const DEREGISTER_TIMEOUT_MS = 2000;

/** The version in the service's package.json (`dist/main.js` → `package.json`), announced to the registry. */
function serviceVersion(): string {
  try {
    const file = path.join(path.dirname(process.argv[1] ?? '.'), '..', 'package.json');
    const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * The one `main()` every service shares: parse config (a bad variable stops the process
 * with its name), start, listen, register with the service registry, and on SIGTERM/SIGINT
 * answer not-ready and deregister, stop accepting, let in-flight requests finish, close
 * resources and exit within SHUTDOWN_TIMEOUT_MS.
 */
export async function runService<S extends z.ZodRawShape & { PORT: z.ZodType<number> }>(
  name: string,
  configShape: S,
  start: (config: ServiceConfig<S>, logger: Logger) => Promise<StartedService>,
): Promise<void> {
  let config: ServiceConfig<S>;
  try {
    config = parseConfig(configShape);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(name, config.LOG_LEVEL);
  // A bug that escapes every handler leaves the process in an unknown state: log it with the
  // request it happened in, then exit (a supervisor or the platform starts a fresh one).
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason, requestId: getRequestId() }, 'unhandled rejection');
    process.exit(1);
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error, requestId: getRequestId() }, 'uncaught exception');
    process.exit(1);
  });

  let service: StartedService;
  try {
    service = await start(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  }

  // The shape's constraint guarantees PORT; zod's generic output type cannot show it.
  const { PORT } = config as ServiceConfig<S> & { PORT: number };
  // Node checks the header and request timeouts below only this often (30 s by default, which
  // let a slow client hold a connection for up to a minute): check every second.
  const server: Server = createServer(
    { connectionsCheckingInterval: 1000, shouldUpgradeCallback: service.shouldUpgrade ?? (() => false) },
    service.app,
  );
  server.listen(PORT, config.HOST);
  // Longer than callers keep idle pooled sockets (see http/keep-alive.ts).
  server.keepAliveTimeout = SERVER_KEEP_ALIVE_MS;
  // Slow clients are cut off: headers within 10 s, the whole request within 30 s (408).
  server.headersTimeout = SERVER_HEADERS_TIMEOUT_MS;
  server.requestTimeout = SERVER_REQUEST_TIMEOUT_MS;
  service.configureServer?.(server);
  let registered: RegisteredInstance | undefined;
  server.on('listening', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : PORT;
    logger.info({ url: `http://${config.HOST}:${port}` }, `${name} listening`);
    const { registration } = service;
    if (registration === undefined) return;
    const healthPath = '/health/ready';
    const readinessUrl = `${localUrl(config.HOST, port)}${healthPath}`;
    registered = startRegistration({
      ...registration,
      name,
      url: advertisedUrl(registration.advertiseUrl, config.HOST, port),
      healthPath,
      version: serviceVersion(),
      logger,
      // Its own /health/ready over HTTP: ready only when the server answers and every check passes.
      isReady: () =>
        fetch(readinessUrl, { signal: AbortSignal.timeout(2000) }).then(async (res) => {
          await res.body?.cancel();
          return res.ok;
        }),
    });
  });
  server.on('error', (error) => {
    logger.fatal({ err: error }, 'server error');
    process.exit(1);
  });

  const withTimeout = (work: Promise<void>) =>
    Promise.race([work, new Promise<void>((resolve) => setTimeout(resolve, DEREGISTER_TIMEOUT_MS).unref())]);
  let isStopping = false;
  // While stopping, every answer closes its connection, so keep-alive clients that keep sending
  // (a gateway, another service) move off this process instead of holding it open until the timeout.
  server.prependListener('request', (_req, res) => {
    if (isStopping) res.setHeader('Connection', 'close');
  });
  const stop = (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    markDraining();
    logger.info({ signal, drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown timed out, exiting');
      process.exit(1);
    }, config.SHUTDOWN_DRAIN_DELAY_MS + config.SHUTDOWN_TIMEOUT_MS).unref();
    // Readiness already answers 503 and the registry stops handing this instance out; keep
    // serving while load balancers and callers' caches notice, then close.
    // After deregistering, callers still hold this instance until their next refresh: keep
    // serving that long (plus a margin) so none of their requests meets a closed port.
    const { registration } = service;
    const deregistered =
      registered === undefined || registration === undefined
        ? Promise.resolve()
        : withTimeout(registered.deregister()).then(
            () => new Promise((resolve) => setTimeout(resolve, registration.callersRefreshMs + 500)),
          );
    const drained = new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_DRAIN_DELAY_MS));
    void Promise.all([deregistered, drained]).then(closeServer);
  };
  const closeServer = () => {
    // Connections that were mid-request when we started stopping become idle after their answer:
    // close them as they do, rather than waiting out the keep-alive timeout.
    setInterval(() => server.closeIdleConnections(), 100).unref();
    service.closeLongLivedConnections?.();
    server.close(() => {
      service
        .close()
        .then(() => {
          logger.info('stopped');
          process.exit(0);
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, 'error while closing');
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

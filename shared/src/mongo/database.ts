import { setTimeout as sleep } from 'node:timers/promises';
import mongoose, { type Connection } from 'mongoose';
import type { Logger } from '../core/logger.js';

export interface DatabaseOptions {
  uri: string;
  dbName: string;
  logger: Logger;
  /** Attempts before start-up gives up; the database may still be starting (compose, CI). */
  attempts?: number;
  initialDelayMs?: number;
}

const MAX_DELAY_MS = 5000;

/** Opens a connection, retrying with exponential backoff while the server is not yet reachable. */
export async function connectDatabase({
  uri,
  dbName,
  logger,
  attempts = 10,
  initialDelayMs = 250,
}: DatabaseOptions): Promise<Connection> {
  for (let attempt = 1; ; attempt++) {
    const connection = mongoose.createConnection(uri, { dbName, serverSelectionTimeoutMS: 5000, maxPoolSize: 50 });
    try {
      await connection.asPromise();
      logger.info({ dbName, attempt }, 'database connected');
      return connection;
    } catch (error) {
      await connection.close().catch(() => undefined);
      if (attempt >= attempts) throw error;
      const delay = Math.min(initialDelayMs * 2 ** (attempt - 1), MAX_DELAY_MS);
      logger.warn({ attempt, delay, err: error }, 'database not reachable yet, retrying');
      await sleep(delay);
    }
  }
}

/** True when the server answers a ping: the readiness check of every service. */
export async function isDatabaseReachable(connection: Connection): Promise<boolean> {
  if (connection.readyState !== mongoose.ConnectionStates.connected || connection.db === undefined) return false;
  await connection.db.command({ ping: 1 });
  return true;
}

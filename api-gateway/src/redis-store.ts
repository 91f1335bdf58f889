import type { Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { createClient } from '@redis/client';
import type { LimiterName } from './rate-limits.js';

/** What the gateway needs of a Redis client (node-redis' own generic type is unwieldy here). */
export interface RedisClient {
  sendCommand(args: string[]): Promise<unknown>;
  /** Waits for pending commands, then disconnects. */
  close(): Promise<unknown>;
  /** Disconnects at once. */
  destroy(): void;
}

/**
 * A client that fails fast while Redis is away (no offline queue), so a rate-limit check never
 * waits on it; the limiter then lets the request through (fail open) and counting resumes on reconnect.
 */
export async function connectRedis(
  url: string,
  onError: (error: unknown) => void,
  waitMs = 2000,
): Promise<RedisClient> {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(retries * 100, 2000) },
  });
  client.on('error', onError);
  // Redis being down must not keep the gateway from starting: wait a little, then go on while
  // the client keeps reconnecting in the background (limits fail open until it is back).
  const connected = client.connect().then(
    () => true,
    (error: unknown) => {
      onError(error);
      return false;
    },
  );
  const isConnected = await Promise.race([
    connected,
    new Promise<false>((resolve) => setTimeout(() => resolve(false), waitMs).unref()),
  ]);
  if (!isConnected) onError(new Error(`redis not reachable within ${waitMs} ms; starting without it`));
  return client;
}

/** One Redis-backed store per limiter, so replicas sharing `prefix` share their counts. */
export function redisRateLimitStores(client: RedisClient, prefix = 'rl'): (name: LimiterName) => Store {
  return (name) =>
    new RedisStore({
      prefix: `${prefix}:${name}:`,
      sendCommand: (...args: string[]) => client.sendCommand(args) as Promise<RedisReply>,
    });
}

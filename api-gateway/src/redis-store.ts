import type { Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { LimiterName } from './rate-limits.js';

/** What the gateway needs of a Redis client (node-redis' own generic type is unwieldy here). */
export interface RedisClient {
  sendCommand(args: string[]): Promise<unknown>;
  /** Waits for pending commands, then disconnects. */
  close(): Promise<unknown>;
  /** Disconnects at once. */
  destroy(): void;
}

/** One Redis-backed store per limiter, so replicas sharing `prefix` share their counts. */
export function redisRateLimitStores(client: RedisClient, prefix = 'rl'): (name: LimiterName) => Store {
  return (name) =>
    new RedisStore({
      prefix: `${prefix}:${name}:`,
      sendCommand: (...args: string[]) => client.sendCommand(args) as Promise<RedisReply>,
    });
}

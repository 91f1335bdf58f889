import { withTimeout, type Logger } from '@shop/shared/core';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
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

/** Whether Redis is answering the limiters, so an outage is logged once, not once per request. */
class StoreHealth {
  private isDown = false;
  constructor(private readonly logger: Logger) {}
  failed(error: unknown): void {
    if (this.isDown) return;
    this.isDown = true;
    this.logger.warn({ err: error }, 'rate-limit store unavailable: limits fail open (requests pass) until it is back');
  }
  answered(): void {
    if (!this.isDown) return;
    this.isDown = false;
    this.logger.info('rate-limit store is back: limits count again');
  }
}

/**
 * Longest a request waits for its count. Redis answers in well under a millisecond; one that has
 * stopped answering (frozen, partitioned without a reset) must not hold the API for as long as
 * it stays silent.
 */
export const STORE_TIMEOUT_MS = 250;

/**
 * A store that fails open by itself: while Redis is away, or slower than STORE_TIMEOUT_MS, a
 * request counts as the first of its window and passes. (express-rate-limit's own
 * `passOnStoreError` prints a stack trace to stderr for every such request.)
 */
class FailOpenStore implements Store {
  private windowMs = 60_000;
  constructor(
    private readonly inner: Store,
    private readonly health: StoreHealth,
  ) {}

  get prefix(): string | undefined {
    return this.inner.prefix;
  }

  async init(options: Options): Promise<void> {
    this.windowMs = options.windowMs;
    await this.inner.init?.(options);
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.guard(async () => this.inner.get?.(key), undefined);
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    return this.guard(
      async () => this.inner.increment(key),
      () => ({ totalHits: 1, resetTime: new Date(Date.now() + this.windowMs) }),
    );
  }

  async decrement(key: string): Promise<void> {
    await this.guard(async () => this.inner.decrement(key), undefined);
  }

  async resetKey(key: string): Promise<void> {
    await this.guard(async () => this.inner.resetKey(key), undefined);
  }

  private async guard<T, F>(call: () => Promise<T>, fallback: F | (() => F)): Promise<T | F> {
    try {
      const result = await withTimeout(
        call(),
        STORE_TIMEOUT_MS,
        `rate-limit store gave no answer in ${STORE_TIMEOUT_MS} ms`,
      );
      this.health.answered();
      return result;
    } catch (error) {
      this.health.failed(error);
      return typeof fallback === 'function' ? (fallback as () => F)() : fallback;
    }
  }
}

/** One Redis-backed store per limiter, so replicas sharing `prefix` share their counts. */
export function redisRateLimitStores(client: RedisClient, logger: Logger, prefix = 'rl'): (name: LimiterName) => Store {
  const health = new StoreHealth(logger);
  return (name) =>
    new FailOpenStore(
      new RedisStore({
        prefix: `${prefix}:${name}:`,
        sendCommand: (...args: string[]) => client.sendCommand(args) as Promise<RedisReply>,
      }),
      health,
    );
}

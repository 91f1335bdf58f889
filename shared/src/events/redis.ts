import { createClient } from '@redis/client';

function createConnection(url: string, socketTimeoutMs?: number) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries: number) => Math.min(retries * 100, 2000),
      socketTimeout: socketTimeoutMs,
    },
  });
}

export interface RedisConnectionOptions {
  /**
   * A connection that receives nothing for this long is dropped and opened again. For a
   * connection that blocks (`XREAD BLOCK n`, answered at least every n ms): a Redis gone from
   * the network without a reset is then noticed instead of waited on forever.
   */
  socketTimeoutMs?: number;
}

/** A node-redis client as `connectRedis` makes it. */
export type RedisConnection = ReturnType<typeof createConnection>;

/**
 * A client that fails fast while Redis is away (no offline queue), so no caller ever waits on it:
 * rate limits fail open, the outbox relay retries later, consumers pause. It reconnects in the
 * background (at most every 2 s). Redis being down does not keep a process from starting: after
 * `waitMs` it goes on without it, and `onError` is told.
 */
export async function connectRedis(
  url: string,
  onError: (error: unknown) => void,
  waitMs = 2000,
  options: RedisConnectionOptions = {},
): Promise<RedisConnection> {
  const client = createConnection(url, options.socketTimeoutMs);
  client.on('error', onError);
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

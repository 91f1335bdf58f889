// @shop/shared/events: order lifecycle events (their schema and streams) and the Redis connection they travel on.
export * from './order-events.js';
export * from './redis.js';
export * from './publisher.js';
export * from './consumer.js';

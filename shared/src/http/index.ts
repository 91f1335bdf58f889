// @shop/shared/http: the Express app, error middleware, metrics, health and main() every service shares.
export * from './bootstrap.js';
export * from './consumer-metrics.js';
export * from './error-handler.js';
export * from './keep-alive.js';
export * from './lifecycle.js';
export * from './metrics.js';
export * from './service-app.js';

// @shop/shared/core: what every process needs, and nothing heavier than zod, pino and jsonwebtoken.
export * from './errors.js';
export * from './upstream-errors.js';
export * from './config.js';
export * from './logger.js';
export * from './request-context.js';
export * from './trace-context.js';
export * from './validation.js';
export * from './money.js';
export * from './auth.js';
export * from './sweeper.js';
export * from './with-timeout.js';

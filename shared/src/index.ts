// Transitional: everything at once. Import the entry point you need instead
// (@shop/shared/core, /http, /mongo, /service-client), so a process loads only what it uses.
export * from './core/index.js';
export * from './http/index.js';
export * from './mongo/index.js';
export * from './service-client/index.js';

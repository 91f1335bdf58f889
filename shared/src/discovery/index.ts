// @shop/shared/discovery: the service registry's wire format, and the clients that register an instance and find others.
export * from './config.js';
export * from './protocol.js';
export * from './discovery.js';
export * from './endpoint.js';
export * from './registration.js';
export * from './metrics.js';

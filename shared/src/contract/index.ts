// @shop/shared/contract: how services declare their public operations, and the OpenAPI document built from them.
export * from './document.js';
export * from './operation.js';
export * from './problem.js';

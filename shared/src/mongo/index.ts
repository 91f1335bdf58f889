// @shop/shared/mongo: mongoose connection and helpers, for the services that own a database.
export * from './database.js';
export * from './validators.js';
export { isDuplicateKeyError } from '../core/errors.js';

export * from './database';
export * from './tokens';
export * from './http';
export * from './stack';
export { sampleSum } from '../../src/metrics-text';
export * from './redis';
export * from './routes';
export * from './gate';

// The public face of the ServiceClient; the retry policy, breaker, transport and metrics behind it stay internal.
export type { ServiceRequest } from './attempt.js';
export { serviceClientRegistry } from './metrics.js';
export { ServiceClient, type ServiceClientOptions } from './service-client.js';

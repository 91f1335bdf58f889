// Vitest setupFiles entry: every supertest answer in the suites of the API's processes (the
// gateway, the three services, the end-to-end and contract tests in scripts/) is checked against
// api-gateway/openapi.json. shared/ and service-registry/ test apps of their own, not the API.
import { expect } from 'vitest';
import { checkEverySupertestAnswer } from './supertest-contract';

const API_SUITES = /[\\/](api-gateway|user-service|product-service|order-service|scripts)[\\/]test[\\/]/;

checkEverySupertestAnswer(() => API_SUITES.test(expect.getState().testPath ?? ''));

import { fixedEndpoint } from '@shop/shared/discovery';
import { ServiceClient, serviceClientRegistry, type ServiceClientOptions } from '@shop/shared/service-client';
import { newId } from '@shop/test-support';

/** Settings for tests: near-zero backoff, a breaker that stays out of the way, timeouts loose enough for a busy machine. */
export const TEST_CLIENT_SETTINGS = {
  timeoutMs: 1000,
  deadlineMs: 5000,
  retries: 2,
  backoff: { baseMs: 1, maxMs: 5 },
  breaker: { consecutiveFailures: 1000, halfOpenAfterMs: 60_000 },
} satisfies Partial<ServiceClientOptions>;

export interface TestServiceClient {
  http: ServiceClient;
  /** How many attempts this client has made so far, all outcomes together. */
  attempts(): Promise<number>;
}

/**
 * A real ServiceClient for `target` at `baseUrl`. Its metrics label is unique (`target#id`), so
 * `attempts()` counts this client's attempts alone, even where no server could (connection refused).
 */
export function testServiceClient(
  target: string,
  baseUrl: string,
  overrides: Partial<ServiceClientOptions> = {},
): TestServiceClient {
  const name = `${target}#${newId()}`;
  return {
    http: new ServiceClient({ ...TEST_CLIENT_SETTINGS, name, endpoint: fixedEndpoint(baseUrl), ...overrides }),
    async attempts() {
      const metric = (await serviceClientRegistry.getMetricsAsJSON()).find(
        (m) => m.name === 'service_client_attempts_total',
      );
      return (metric?.values ?? []).filter((v) => v.labels.target === name).reduce((sum, v) => sum + v.value, 0);
    },
  };
}

/** Short timeouts, for tests where the server never answers. */
export const IMPATIENT = { timeoutMs: 200, deadlineMs: 2000 } satisfies Partial<ServiceClientOptions>;

/** The rejection of `promise`; fails the test if it resolves. */
export async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

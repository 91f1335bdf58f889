import { Counter, type Registry } from 'prom-client';
import type { AccountMetrics } from './domain/account-metrics.js';

/** user-service's business metrics on its /metrics registry (README: Metrics). */
export function createAccountMetrics(registry: Registry): AccountMetrics {
  const registrations = new Counter({
    name: 'shop_registrations_total',
    help: 'Accounts created by sign-up',
    registers: [registry],
  });
  const logins = new Counter({
    name: 'shop_logins_total',
    help: 'Login attempts, by outcome (success, invalid_credentials, locked, disabled, error)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return {
    registered: () => registrations.inc(),
    loginAttempted: (outcome) => logins.inc({ outcome }),
  };
}

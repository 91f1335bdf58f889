import type { z } from 'zod';
import type { registrationSchema } from '@shop/shared/discovery';

/** A registration body as an instance sends it (before the registry applies defaults). */
export type RegistrationInput = z.input<typeof registrationSchema>;

let instanceNumber = 0;

/** A valid registration of a ready product-service instance at an address no other test uses. */
export function buildRegistration(overrides: Partial<RegistrationInput> = {}): RegistrationInput {
  instanceNumber += 1;
  return {
    name: 'product-service',
    url: `http://10.0.${Math.floor(instanceNumber / 250)}.${(instanceNumber % 250) + 1}:3002`,
    version: '1.2.3',
    status: 'ready',
    ...overrides,
  };
}

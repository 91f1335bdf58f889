import { describe, expect, it } from 'vitest';
import { canReadUser } from './user-access';

const userId = 'a'.repeat(24);
const otherId = 'b'.repeat(24);

describe('canReadUser', () => {
  it('when a user reads their own account, it is allowed', () => {
    expect(canReadUser({ id: userId, role: 'user' }, userId)).toBe(true);
  });

  it('when a user reads another account, it is refused', () => {
    expect(canReadUser({ id: otherId, role: 'user' }, userId)).toBe(false);
  });

  it('when an admin or a service reads any account, it is allowed', () => {
    expect(canReadUser({ id: otherId, role: 'admin' }, userId)).toBe(true);
    expect(canReadUser({ id: 'order-service', role: 'service' }, userId)).toBe(true);
  });
});

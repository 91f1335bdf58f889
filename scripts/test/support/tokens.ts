import { randomBytes } from 'node:crypto';
import { signAccessToken, type Role } from '@shop/shared/core';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long!!';

/** A fresh 24-hex-digit id, as a user or product id would be. */
export function newId(): string {
  return randomBytes(12).toString('hex');
}

/** A real signed token, as user-service would issue it. */
export function tokenFor(role: Role, id: string = newId()): string {
  return signAccessToken({ id, role }, TEST_JWT_SECRET, 3600).token;
}

export function bearer(role: Role, id?: string): Record<string, string> {
  return { authorization: `Bearer ${tokenFor(role, id)}` };
}

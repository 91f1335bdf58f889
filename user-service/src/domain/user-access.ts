import { isAdmin, type Principal } from '@shop/shared/core';

/** A user reads their own account; admins and our other services read any. */
export function canReadUser(principal: Principal, userId: string): boolean {
  return principal.id === userId || isAdmin(principal) || principal.role === 'service';
}

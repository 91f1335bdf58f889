import { ForbiddenError, isAdmin, type Principal } from '@shop/shared';

/** A user reads their own account; admins and our other services read any. */
export function canReadUser(principal: Principal, userId: string): boolean {
  return principal.id === userId || isAdmin(principal) || principal.role === 'service';
}

export function assertCanReadUser(principal: Principal, userId: string): void {
  if (!canReadUser(principal, userId)) throw new ForbiddenError('You may only read your own account');
}

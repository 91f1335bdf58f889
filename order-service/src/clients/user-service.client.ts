import { UpstreamError, type ServiceClient } from '@shop/shared';
import { UnknownUserError } from '../domain/order.errors.js';

export interface UserDirectory {
  /** Throws UnknownUserError when user-service does not know the account. */
  assertUserExists(userId: string): Promise<void>;
}

export function createUserServiceClient(http: ServiceClient, authorization: () => string): UserDirectory {
  return {
    async assertUserExists(userId) {
      try {
        await http.request({ method: 'GET', path: `/users/${encodeURIComponent(userId)}`, headers: { authorization: authorization() } });
      } catch (error) {
        if (error instanceof UpstreamError && error.upstreamStatus === 404) throw new UnknownUserError();
        throw error;
      }
    },
  };
}

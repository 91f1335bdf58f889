/** user-service as the saga needs it; implemented by clients/user-service.client.ts. */
export interface UserDirectory {
  /**
   * Throws UnknownUserError when user-service does not know the account, and
   * UpstreamInvalidResponseError (502) when it answers 2xx with something that is not that account.
   */
  assertUserExists(userId: string): Promise<void>;
}

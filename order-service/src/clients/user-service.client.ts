import {
  CircuitOpenError,
  UpstreamError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type Logger,
} from '@shop/shared/core';
import { type ServiceClient } from '@shop/shared/service-client';
import { z } from 'zod';
import { UnknownUserError, UpstreamInvalidResponseError, UserDisabledError } from '../domain/order.errors.js';
import type { UserDirectory } from '../domain/user-directory.js';

const TARGET = 'user-service';

export interface RecentUsersOptions {
  /** How long a confirmation counts, in ms. */
  ttlMs: number;
  /** Most ids kept; the least recently confirmed goes first. 0 keeps none. */
  maxEntries: number;
  now?: () => number;
}

/**
 * User ids that user-service confirmed recently, so an order can still be placed while it is
 * briefly unavailable. Bounded in size and age; a Map keeps insertion order, so re-inserting on
 * every confirmation makes the first key the least recently confirmed (LRU-ish).
 */
export class RecentUsers {
  private readonly confirmedAt = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: RecentUsersOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.confirmedAt.size;
  }

  confirm(userId: string): void {
    if (this.options.maxEntries <= 0) return;
    this.confirmedAt.delete(userId);
    this.confirmedAt.set(userId, this.now());
    while (this.confirmedAt.size > this.options.maxEntries) {
      const oldest = this.confirmedAt.keys().next();
      if (oldest.done === true) break;
      this.confirmedAt.delete(oldest.value);
    }
  }

  forget(userId: string): void {
    this.confirmedAt.delete(userId);
  }

  /** True when the id was confirmed within the TTL; an expired entry is dropped. */
  has(userId: string): boolean {
    const at = this.confirmedAt.get(userId);
    if (at === undefined) return false;
    if (this.now() - at > this.options.ttlMs) {
      this.confirmedAt.delete(userId);
      return false;
    }
    return true;
  }
}

/** user-service could not be asked (down, slow, breaker open, or a gateway-style 502/503/504 answer). */
function isUnavailable(error: unknown): boolean {
  if (
    error instanceof UpstreamUnavailableError ||
    error instanceof UpstreamTimeoutError ||
    error instanceof CircuitOpenError
  )
    return true;
  return error instanceof UpstreamError && [502, 503, 504].includes(error.upstreamStatus);
}

export interface UserServiceClientOptions {
  /** Answers for recently confirmed users while user-service is unavailable; without it every failure is rethrown. */
  recentUsers?: RecentUsers;
  logger?: Logger;
}

// Only whether the account exists and may buy is used, but the answer must be that account: a
// 2xx from something else (a proxy's page, another user) confirms nothing.
const userAnswerSchema = z.object({ id: z.string(), disabled: z.boolean() });

/** Whether the account may place orders; throws when the answer is not that account. */
function isActiveUser(answer: unknown, userId: string): boolean {
  const parsed = userAnswerSchema.safeParse(answer);
  if (!parsed.success) throw new UpstreamInvalidResponseError(TARGET, ['(body): not a user']);
  if (parsed.data.id.toLowerCase() !== userId.toLowerCase())
    throw new UpstreamInvalidResponseError(TARGET, [`answered for user ${parsed.data.id}`]);
  return !parsed.data.disabled;
}

/** user-service's own "no such account", by its code: a 404 from anything else (a wrong route) says nothing about the user. */
function isUnknownUser(error: unknown): boolean {
  return error instanceof UpstreamError && error.upstreamStatus === 404 && error.upstreamCode === 'USER.NOT_FOUND';
}

export function createUserServiceClient(
  http: ServiceClient,
  authorization: () => string,
  options: UserServiceClientOptions = {},
): UserDirectory {
  const { recentUsers, logger } = options;
  return {
    async assertUserExists(userId) {
      try {
        const answer = await http.request<unknown>({
          method: 'GET',
          path: `/users/${encodeURIComponent(userId)}`,
          headers: { authorization: authorization() },
        });
        if (!isActiveUser(answer, userId)) {
          // A disabled account's access token lives on for minutes; its orders stop now.
          recentUsers?.forget(userId);
          throw new UserDisabledError();
        }
      } catch (error) {
        if (error instanceof UserDisabledError) throw error;
        if (error instanceof UpstreamInvalidResponseError)
          logger?.warn({ userId, problems: error.problems }, 'user-service answered an invalid user');
        if (isUnknownUser(error)) {
          recentUsers?.forget(userId);
          throw new UnknownUserError();
        }
        if (recentUsers !== undefined && isUnavailable(error) && recentUsers.has(userId)) {
          logger?.warn(
            { userId, reason: error instanceof Error ? error.message : String(error) },
            'user-service unavailable; user confirmed from cache',
          );
          return;
        }
        throw error;
      }
      recentUsers?.confirm(userId);
    },
  };
}

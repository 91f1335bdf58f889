import { objectIdSchema, type Page } from '@shop/shared/core';
import { isoDateTimeSchema, pageSchema } from '@shop/shared/contract';
import { z } from 'zod';
import type { Session } from '../domain/session.js';
import { userRoles, type User } from '../domain/user.js';

/** An account as clients see it. Fields are listed one by one: a new domain field is not sent by accident. */
export const userViewSchema = z
  .strictObject({
    id: objectIdSchema,
    name: z.string(),
    email: z.string(),
    role: z.enum(userRoles),
    disabled: z.boolean(),
    createdAt: isoDateTimeSchema,
    updatedAt: isoDateTimeSchema,
  })
  .meta({ id: 'User' });
export type UserView = z.output<typeof userViewSchema>;

export const userPageViewSchema = pageSchema(userViewSchema).meta({ id: 'UserPage' });

export const sessionViewSchema = z
  .strictObject({
    user: userViewSchema,
    token: z.string().meta({ description: 'The access token (a JWT): send it as `Authorization: Bearer <token>`' }),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().min(1).meta({ description: 'Seconds the access token is valid' }),
    refreshToken: z.string().meta({ description: 'Exchanged once at /api/auth/refresh for a new session' }),
    refreshExpiresIn: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'Seconds until the session ends, rounded down (0: it ends within the second)' }),
  })
  .meta({ id: 'Session' });
export type SessionView = z.output<typeof sessionViewSchema>;

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    role: user.role,
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

export function toUserPageView(page: Page<User>): Page<UserView> {
  return { ...page, items: page.items.map(toUserView) };
}

export function toSessionView(session: Session): SessionView {
  return {
    user: toUserView(session.user),
    token: session.token,
    tokenType: session.tokenType,
    expiresIn: session.expiresIn,
    refreshToken: session.refreshToken,
    refreshExpiresIn: session.refreshExpiresIn,
  };
}

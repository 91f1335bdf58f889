import type { Page } from '@shop/shared/core';
import type { Session } from '../domain/session.js';
import type { User } from '../domain/user.js';

/** An account as clients see it. Fields are listed one by one: a new domain field is not sent by accident. */
export interface UserView {
  id: string;
  name: string;
  email: string;
  role: User['role'];
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    role: user.role,
    disabled: user.disabled,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

export function toUserPageView(page: Page<User>): Page<UserView> {
  return { ...page, items: page.items.map(toUserView) };
}

export function toSessionView(session: Session) {
  return {
    user: toUserView(session.user),
    token: session.token,
    tokenType: session.tokenType,
    expiresIn: session.expiresIn,
    refreshToken: session.refreshToken,
    refreshExpiresIn: session.refreshExpiresIn,
  };
}

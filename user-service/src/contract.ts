import type { ServiceOperation } from '@shop/shared/contract';
import {
  listUsersQuerySchema,
  loginBodySchema,
  refreshTokenBodySchema,
  registerBodySchema,
  updateUserBodySchema,
  userIdParamsSchema,
} from './domain/user.schemas.js';
import { sessionViewSchema, userPageViewSchema, userViewSchema } from './routes/user.view.js';

const sessionLinks = {
  refreshSession: { operationId: 'refreshSession', requestBody: { refreshToken: '$response.body#/refreshToken' } },
  logOut: { operationId: 'logOut', requestBody: { refreshToken: '$response.body#/refreshToken' } },
};
const notFound = { 404: ['USER.NOT_FOUND'] } as const;

/** user-service's public operations (routes/auth.routes.ts, routes/user.routes.ts). */
export const contract: readonly ServiceOperation[] = [
  {
    operationId: 'register',
    method: 'post',
    path: '/auth/register',
    tag: 'Auth',
    summary: 'Create a shopper account and start a session',
    body: registerBodySchema,
    responses: {
      201: { description: 'The account and its first session', body: sessionViewSchema, links: sessionLinks },
    },
    errors: { 409: ['USER.EMAIL_TAKEN'] },
  },
  {
    operationId: 'logIn',
    method: 'post',
    path: '/auth/login',
    tag: 'Auth',
    summary: 'Start a session with an email and password',
    description:
      'A wrong password and an unknown email get the same answer. Repeated failures lock the account for a while.',
    body: loginBodySchema,
    responses: { 200: { description: 'A new session', body: sessionViewSchema, links: sessionLinks } },
    errors: { 401: ['AUTH.INVALID_CREDENTIALS'], 403: ['USER.DISABLED'], 429: ['AUTH.ACCOUNT_LOCKED'] },
  },
  {
    operationId: 'refreshSession',
    method: 'post',
    path: '/auth/refresh',
    tag: 'Auth',
    summary: 'Exchange a refresh token for a new session (the old one stops working)',
    description: 'Presenting a refresh token a second time revokes the whole session.',
    body: refreshTokenBodySchema,
    responses: { 200: { description: 'The renewed session', body: sessionViewSchema, links: sessionLinks } },
    errors: { 401: ['AUTH.REFRESH_INVALID', 'AUTH.REFRESH_REUSED'], 403: ['USER.DISABLED'] },
  },
  {
    operationId: 'logOut',
    method: 'post',
    path: '/auth/logout',
    tag: 'Auth',
    summary: 'End the session of a refresh token',
    description: 'Answers 204 whether or not the token was still valid.',
    body: refreshTokenBodySchema,
    responses: { 204: { description: 'The session is over' } },
  },
  {
    operationId: 'listUsers',
    method: 'get',
    path: '/users',
    tag: 'Users',
    summary: 'List accounts, newest first',
    roles: ['admin'],
    query: listUsersQuerySchema,
    responses: { 200: { description: 'A page of accounts', body: userPageViewSchema } },
  },
  {
    operationId: 'getMe',
    method: 'get',
    path: '/users/me',
    tag: 'Users',
    summary: "The caller's own account",
    responses: { 200: { description: 'The account', body: userViewSchema } },
    errors: notFound,
  },
  {
    operationId: 'getUser',
    method: 'get',
    path: '/users/:id',
    tag: 'Users',
    summary: 'Read one account',
    description: "A user may read their own; an admin anyone's. Another user's id answers 404.",
    params: userIdParamsSchema,
    responses: { 200: { description: 'The account', body: userViewSchema } },
    errors: notFound,
  },
  {
    operationId: 'updateUser',
    method: 'patch',
    path: '/users/:id',
    tag: 'Users',
    summary: "Change an account's role or disable it",
    description:
      'Disabling an account ends its sessions (its access tokens run out within their lifetime). ' +
      'An admin cannot disable or demote themself.',
    roles: ['admin'],
    params: userIdParamsSchema,
    // The refinement "role, disabled or both", in JSON Schema's words.
    body: updateUserBodySchema.meta({ override: { minProperties: 1 } }),
    responses: { 200: { description: 'The updated account', body: userViewSchema } },
    errors: { ...notFound, 409: ['USER.SELF_LOCKOUT'] },
  },
];

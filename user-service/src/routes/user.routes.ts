import { authenticate, parseBody, parseParams, parseQuery, principalOf, requireRole } from '@shop/shared/core';
import { serviceRouter } from '@shop/shared/http';
import type { Router } from 'express';
import { getUser } from '../domain/get-user.query.js';
import { listUsers } from '../domain/list-users.query.js';
import type { RefreshTokenStore } from '../domain/refresh-token.js';
import { updateUser } from '../domain/update-user.use-case.js';
import type { UserStore } from '../domain/user.js';
import { listUsersQuerySchema, updateUserBodySchema, userIdParamsSchema } from '../domain/user.schemas.js';
import { toUserPageView, toUserView } from './user.view.js';

export function userRoutes(deps: { users: UserStore; refreshTokens: RefreshTokenStore; jwtSecret: string }): Router {
  const router = serviceRouter();
  router.use('/users', authenticate(deps.jwtSecret));

  router.get('/users', requireRole('admin'), async (req, res) => {
    const query = parseQuery(req, listUsersQuerySchema);
    res.json(toUserPageView(await listUsers(deps, query)));
  });

  // Declared before /users/:id so "me" is not read as an id.
  router.get('/users/me', async (req, res) => {
    const principal = principalOf(req);
    res.json(toUserView(await getUser(deps, principal, principal.id)));
  });

  router.get('/users/:id', async (req, res) => {
    const { id } = parseParams(req, userIdParamsSchema);
    res.json(toUserView(await getUser(deps, principalOf(req), id)));
  });

  router.patch('/users/:id', requireRole('admin'), async (req, res) => {
    const { id } = parseParams(req, userIdParamsSchema);
    const changes = parseBody(req, updateUserBodySchema);
    res.json(toUserView(await updateUser(deps, principalOf(req), id, changes)));
  });

  return router;
}

import { parseBody, type Logger } from '@shop/shared/core';
import { serviceRouter } from '@shop/shared/http';
import type { Router } from 'express';
import { logIn, type LogInDeps } from '../domain/log-in.use-case.js';
import { logOut } from '../domain/log-out.use-case.js';
import { refreshSession } from '../domain/refresh-session.use-case.js';
import { registerUser } from '../domain/register-user.use-case.js';
import { loginBodySchema, refreshTokenBodySchema, registerBodySchema } from '../domain/user.schemas.js';
import { toSessionView } from './user.view.js';

/** Anonymous routes: the refresh token itself is the credential for refresh and logout. */
export function authRoutes(deps: LogInDeps & { logger: Logger }): Router {
  const router = serviceRouter();

  router.post('/auth/register', async (req, res) => {
    const input = parseBody(req, registerBodySchema);
    res.status(201).json(toSessionView(await registerUser(deps, input)));
  });

  router.post('/auth/login', async (req, res) => {
    const input = parseBody(req, loginBodySchema);
    res.json(toSessionView(await logIn(deps, input)));
  });

  router.post('/auth/refresh', async (req, res) => {
    const input = parseBody(req, refreshTokenBodySchema);
    res.json(toSessionView(await refreshSession(deps, input)));
  });

  router.post('/auth/logout', async (req, res) => {
    const input = parseBody(req, refreshTokenBodySchema);
    await logOut(deps, input);
    res.status(204).end();
  });

  return router;
}

import { parseBody } from '@shop/shared';
import { Router } from 'express';
import { logIn } from '../domain/log-in.use-case.js';
import { registerUser } from '../domain/register-user.use-case.js';
import type { IssueToken } from '../domain/session.js';
import type { UserStore } from '../domain/user.js';
import { loginBodySchema, registerBodySchema } from '../domain/user.schemas.js';

export function authRoutes(deps: { users: UserStore; issueToken: IssueToken }): Router {
  const router = Router();

  router.post('/auth/register', async (req, res) => {
    const input = parseBody(req, registerBodySchema);
    res.status(201).json(await registerUser(deps, input));
  });

  router.post('/auth/login', async (req, res) => {
    const input = parseBody(req, loginBodySchema);
    res.json(await logIn(deps, input));
  });

  return router;
}

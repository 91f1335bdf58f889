import { signAccessToken, type Logger } from '@shop/shared/core';
import { createServiceApp, type HttpMetrics, type ReadinessCheck } from '@shop/shared/http';
import type { Express } from 'express';
import type { AccountMetrics } from './domain/account-metrics.js';
import type { RefreshTokenPolicy, RefreshTokenStore } from './domain/refresh-token.js';
import type { IssueToken } from './domain/session.js';
import type { LoginLimits, UserStore } from './domain/user.js';
import { authRoutes } from './routes/auth.routes.js';
import { userRoutes } from './routes/user.routes.js';

export interface AppDeps {
  logger: Logger;
  metrics: HttpMetrics;
  accountMetrics: AccountMetrics;
  users: UserStore;
  refreshTokens: RefreshTokenStore;
  jwtSecret: string;
  jwtExpiresInSeconds: number;
  refreshPolicy: RefreshTokenPolicy;
  loginLimits: LoginLimits;
  bodyLimitBytes: number;
  readiness: ReadinessCheck[];
}

/** Builds the HTTP app from its dependencies; neither listens nor connects. */
export function createApp(deps: AppDeps): Express {
  const issueToken: IssueToken = (user) =>
    signAccessToken({ id: user.id, role: user.role }, deps.jwtSecret, deps.jwtExpiresInSeconds);
  return createServiceApp({
    logger: deps.logger,
    metrics: deps.metrics,
    bodyLimitBytes: deps.bodyLimitBytes,
    readiness: deps.readiness,
    routes(app) {
      app.use(
        authRoutes({
          users: deps.users,
          refreshTokens: deps.refreshTokens,
          issueToken,
          refreshPolicy: deps.refreshPolicy,
          loginLimits: deps.loginLimits,
          accountMetrics: deps.accountMetrics,
          logger: deps.logger,
        }),
      );
      app.use(userRoutes({ users: deps.users, refreshTokens: deps.refreshTokens, jwtSecret: deps.jwtSecret }));
    },
  });
}

import { registrationSettings } from '@shop/shared/discovery';
import { createHttpMetrics, runService } from '@shop/shared/http';
import { connectDatabase, isDatabaseReachable } from '@shop/shared/mongo';
import { createApp } from './app.js';
import { adminSeedFrom, configShape } from './config.js';
import { createRefreshTokenRepository } from './data-access/refresh-token.repository.js';
import { createUserRepository } from './data-access/user.repository.js';
import { seedAdmin } from './domain/seed-admin.use-case.js';
import { createAccountMetrics } from './metrics.js';

void runService('user-service', configShape, async (config, logger) => {
  const adminSeed = adminSeedFrom(config);
  const connection = await connectDatabase({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB, logger });
  try {
    const users = createUserRepository(connection);
    const refreshTokens = createRefreshTokenRepository(connection);
    // The unique email and token-hash indexes must exist before the first request, or duplicates could slip in.
    await Promise.all([users.ensureIndexes(), refreshTokens.ensureIndexes()]);
    if (adminSeed !== undefined) await seedAdmin({ users, logger }, adminSeed);

    const metrics = createHttpMetrics('user-service', logger);
    const app = createApp({
      logger,
      metrics,
      accountMetrics: createAccountMetrics(metrics.registry),
      users,
      refreshTokens,
      jwtSecret: config.JWT_SECRET,
      jwtExpiresInSeconds: config.JWT_EXPIRES_IN_SECONDS,
      refreshPolicy: { ttlSeconds: config.REFRESH_TOKEN_TTL_SECONDS, maxSessionsPerUser: config.MAX_SESSIONS_PER_USER },
      loginLimits: {
        maxFailures: config.LOGIN_MAX_FAILURES,
        failureWindowMs: config.LOGIN_FAILURE_WINDOW_MS,
        lockoutMs: config.LOGIN_LOCKOUT_MS,
      },
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      readiness: [{ name: 'database', check: () => isDatabaseReachable(connection) }],
    });
    return { app, registration: registrationSettings(config), close: () => connection.close() };
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
});

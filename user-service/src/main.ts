import { connectDatabase, createHttpMetrics, isDatabaseReachable, runService } from '@shop/shared';
import { createApp } from './app.js';
import { adminSeedFrom, configShape } from './config.js';
import { createUserRepository } from './data-access/user.repository.js';
import { seedAdmin } from './domain/seed-admin.use-case.js';

void runService('user-service', configShape, async (config, logger) => {
  const adminSeed = adminSeedFrom(config);
  const connection = await connectDatabase({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB, logger });
  try {
    const users = createUserRepository(connection);
    // The unique email index must exist before the first sign-up, or duplicates could slip in.
    await users.ensureIndexes();
    if (adminSeed !== undefined) await seedAdmin({ users, logger }, adminSeed);

    const app = createApp({
      logger,
      metrics: createHttpMetrics('user-service', logger),
      users,
      jwtSecret: config.JWT_SECRET,
      jwtExpiresInSeconds: config.JWT_EXPIRES_IN_SECONDS,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      readiness: [{ name: 'database', check: () => isDatabaseReachable(connection) }],
    });
    return { app, close: () => connection.close() };
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
});

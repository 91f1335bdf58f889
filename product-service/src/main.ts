import { startSweeper } from '@shop/shared/core';
import { createHttpMetrics, runService } from '@shop/shared/http';
import { connectDatabase, isDatabaseReachable } from '@shop/shared/mongo';
import { createApp } from './app.js';
import { configShape } from './config.js';
import { createRepositories, initModels } from './data-access/repositories.js';
import { sweepStaleReservations } from './domain/sweep-stale-reservations.use-case.js';

void runService('product-service', configShape, async (config, logger) => {
  const connection = await connectDatabase({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB, logger });
  await initModels(connection);
  const repositories = createRepositories(connection);
  const app = createApp({
    logger,
    metrics: createHttpMetrics('product-service', logger),
    ...repositories,
    jwtSecret: config.JWT_SECRET,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    readiness: [{ name: 'database', check: () => isDatabaseReachable(connection) }],
  });
  const sweeper = startSweeper({
    name: 'stale-reservations',
    intervalMs: config.SWEEP_INTERVAL_MS,
    run: () => sweepStaleReservations({ ...repositories, logger }, { timeoutMs: config.RESERVATION_TIMEOUT_MS }),
    logger,
  });
  return {
    app,
    close: async () => {
      await sweeper.stop();
      await connection.close();
    },
  };
});

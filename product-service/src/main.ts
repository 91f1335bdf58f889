import { connectDatabase, createHttpMetrics, isDatabaseReachable, runService } from '@shop/shared';
import { createApp } from './app.js';
import { configShape } from './config.js';
import { createRepositories, initModels } from './data-access/repositories.js';

void runService('product-service', configShape, async (config, logger) => {
  const connection = await connectDatabase({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB, logger });
  await initModels(connection);
  const app = createApp({
    logger,
    metrics: createHttpMetrics('product-service', logger),
    ...createRepositories(connection),
    jwtSecret: config.JWT_SECRET,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    readiness: [{ name: 'database', check: () => isDatabaseReachable(connection) }],
  });
  return { app, close: () => connection.close() };
});

import { ServiceClient, connectDatabase, createHttpMetrics, isDatabaseReachable, runService, serviceAuthorization } from '@shop/shared';
import { createApp } from './app.js';
import { createProductServiceClient } from './clients/product-service.client.js';
import { createUserServiceClient } from './clients/user-service.client.js';
import { configShape } from './config.js';
import { createOrderRepository } from './data-access/order.repository.js';

void runService('order-service', configShape, async (config, logger) => {
  const connection = await connectDatabase({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB, logger });
  const orders = createOrderRepository(connection);
  await orders.init();
  const authorization = serviceAuthorization('order-service', config.JWT_SECRET);
  const timeoutMs = config.UPSTREAM_TIMEOUT_MS;
  const app = createApp({
    logger,
    orders,
    users: createUserServiceClient(new ServiceClient({ name: 'user-service', baseUrl: config.USER_SERVICE_URL, timeoutMs }), authorization),
    stock: createProductServiceClient(new ServiceClient({ name: 'product-service', baseUrl: config.PRODUCT_SERVICE_URL, timeoutMs }), authorization),
    jwtSecret: config.JWT_SECRET,
    metrics: createHttpMetrics('order-service', logger),
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    readiness: [{ name: 'database', check: () => isDatabaseReachable(connection) }],
  });
  return { app, close: () => connection.close() };
});

import { startSweeper } from '@shop/shared/core';
import { registrationSettings } from '@shop/shared/discovery';
import { createConsumerMetrics, createHttpMetrics, createSweepMetrics, runService } from '@shop/shared/http';
import { connectDatabase, isDatabaseReachable } from '@shop/shared/mongo';
import { createApp } from './app.js';
import { configShape } from './config.js';
import { createProductRepository } from './data-access/product.repository.js';
import { createReservationRepository } from './data-access/reservation.repository.js';
import { createSaleRepository } from './data-access/sale.repository.js';
import { countingStockMoves } from './domain/stock-metrics.js';
import { sweepStaleReservations } from './domain/sweep-stale-reservations.use-case.js';
import { createStockMetrics } from './metrics.js';

void runService('product-service', configShape, async (config, logger) => {
  const connection = await connectDatabase({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB, logger });
  const repository = createProductRepository(connection);
  const reservations = createReservationRepository(connection);
  const sales = createSaleRepository(connection);
  await Promise.all([repository.ensureIndexes(), reservations.ensureIndexes(), sales.ensureIndexes()]);
  const metrics = createHttpMetrics('product-service', logger);
  const stockMetrics = createStockMetrics(metrics.registry, repository, logger);
  const products = countingStockMoves(repository, stockMetrics);
  const app = createApp({
    logger,
    metrics,
    products,
    reservations,
    jwtSecret: config.JWT_SECRET,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    readiness: [{ name: 'database', check: () => isDatabaseReachable(connection) }],
  });
  const sweeper = startSweeper({
    name: 'stale-reservations',
    intervalMs: config.SWEEP_INTERVAL_MS,
    metrics: createSweepMetrics(metrics.registry),
    run: () =>
      sweepStaleReservations(
        { products, reservations, logger, stockMetrics },
        { timeoutMs: config.RESERVATION_TIMEOUT_MS },
      ),
    logger,
  });
  // The Redis client is loaded only when there is a Redis to read order events from.
  const orderEvents =
    config.REDIS_URL === undefined
      ? undefined
      : (await import('./order-events.js')).consumeOrderEvents(
          { url: config.REDIS_URL, products, sales, logger },
          {
            maxDeliveries: config.CONSUMER_MAX_DELIVERIES,
            claimIdleMs: config.CONSUMER_CLAIM_IDLE_MS,
            metrics: createConsumerMetrics(metrics.registry, logger),
            // While the database is down, events wait in the stream instead of failing towards the dead-letter stream.
            isReady: () => isDatabaseReachable(connection),
          },
        );
  if (orderEvents === undefined) logger.info('REDIS_URL unset: order events are not read; soldCount stays as it is');
  return {
    app,
    registration: registrationSettings(config),
    close: async () => {
      await orderEvents?.stop();
      await sweeper.stop();
      await connection.close();
    },
  };
});

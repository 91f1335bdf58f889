import { startSweeper } from '@shop/shared/core';
import { registrationSettings } from '@shop/shared/discovery';
import { createHttpMetrics, createSweepMetrics, runService } from '@shop/shared/http';
import { connectDatabase, isDatabaseReachable } from '@shop/shared/mongo';
import { createApp } from './app.js';
import { configShape } from './config.js';
import { createProductRepository } from './data-access/product.repository.js';
import { createReservationRepository } from './data-access/reservation.repository.js';
import { countingStockMoves } from './domain/stock-metrics.js';
import { sweepStaleReservations } from './domain/sweep-stale-reservations.use-case.js';
import { createStockMetrics } from './metrics.js';

void runService('product-service', configShape, async (config, logger) => {
  const connection = await connectDatabase({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB, logger });
  const repository = createProductRepository(connection);
  const reservations = createReservationRepository(connection);
  await Promise.all([repository.ensureIndexes(), reservations.ensureIndexes()]);
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
  return {
    app,
    registration: registrationSettings(config),
    close: async () => {
      await sweeper.stop();
      await connection.close();
    },
  };
});

import { type Logger } from '@shop/shared/core';
import { createServiceApp, type HttpMetrics, type ReadinessCheck } from '@shop/shared/http';
import type { Express } from 'express';
import type { ProductStore } from './domain/product.js';
import type { ReservationStore } from './domain/reservation.js';
import { productRoutes } from './routes/product.routes.js';
import { reservationRoutes } from './routes/reservation.routes.js';

export interface AppDeps {
  logger: Logger;
  metrics: HttpMetrics;
  products: ProductStore;
  reservations: ReservationStore;
  jwtSecret: string;
  bodyLimitBytes: number;
  readiness: ReadinessCheck[];
}

/** The product-service HTTP app; it neither listens nor connects. */
export function createApp(deps: AppDeps): Express {
  const { logger, products, reservations, jwtSecret } = deps;
  const app = createServiceApp({
    logger,
    metrics: deps.metrics,
    bodyLimitBytes: deps.bodyLimitBytes,
    readiness: deps.readiness,
    routes(app) {
      app.use(productRoutes({ products, jwtSecret }));
      app.use(reservationRoutes({ products, reservations, logger, jwtSecret }));
    },
  });
  // Catalogue reads are cached by clients and the gateway (routes/product.routes.ts): a strong
  // tag (a hash of the exact bytes, which no one here re-encodes) lets any cache revalidate with
  // a 304, and changes with every byte, stock included. Express answers `If-None-Match` with it.
  app.set('etag', 'strong');
  return app;
}

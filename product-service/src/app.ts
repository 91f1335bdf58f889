import { type Logger } from '@shop/shared/core';
import { createServiceApp, type HttpMetrics, type ReadinessCheck } from '@shop/shared/http';
import type { Express } from 'express';
import type { ProductRepository } from './domain/product.js';
import { createProductUseCases } from './domain/product.use-cases.js';
import type { ReservationRepository } from './domain/reservation.js';
import { createReservationUseCases } from './domain/reservation.use-cases.js';
import { productRoutes } from './routes/product.routes.js';
import { reservationRoutes } from './routes/reservation.routes.js';

export interface AppDependencies {
  logger: Logger;
  metrics: HttpMetrics;
  products: ProductRepository;
  reservations: ReservationRepository;
  jwtSecret: string;
  bodyLimitBytes: number;
  readiness: ReadinessCheck[];
}

/** The product-service HTTP app; it neither listens nor connects. */
export function createApp({ logger, metrics, products, reservations, jwtSecret, bodyLimitBytes, readiness }: AppDependencies): Express {
  const productUseCases = createProductUseCases(products);
  const reservationUseCases = createReservationUseCases({ products, reservations, logger });
  return createServiceApp({
    logger,
    metrics,
    bodyLimitBytes,
    readiness,
    routes(app) {
      app.use(productRoutes(productUseCases, jwtSecret));
      app.use(reservationRoutes(reservationUseCases, jwtSecret));
    },
  });
}

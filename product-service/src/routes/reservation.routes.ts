import { authenticate, parseBody, parseParams, requireRole } from '@shop/shared/core';
import { serviceRouter } from '@shop/shared/http';
import type { Router } from 'express';
import { releaseReservation } from '../domain/release-reservation.use-case.js';
import { reserveStock } from '../domain/reserve-stock.use-case.js';
import { orderIdParamsSchema, reserveStockSchema } from '../domain/reservation.schemas.js';
import type { ReturnStockDeps } from '../domain/return-reservation-stock.js';
import { toReleaseView, toReservationView } from './reservation.view.js';

export interface ReservationRoutesDeps extends ReturnStockDeps {
  jwtSecret: string;
}

/** Internal endpoints of the order saga: only other services (and admins) may call them. */
export function reservationRoutes(deps: ReservationRoutesDeps): Router {
  const router = serviceRouter();
  router.use('/reservations', authenticate(deps.jwtSecret), requireRole('service', 'admin'));

  router.post('/reservations', async (req, res) => {
    const { reservation, isReplay } = await reserveStock(deps, parseBody(req, reserveStockSchema));
    res.status(isReplay ? 200 : 201).json(toReservationView(reservation));
  });

  router.post('/reservations/:orderId/release', async (req, res) => {
    const { orderId } = parseParams(req, orderIdParamsSchema);
    res.json(toReleaseView(await releaseReservation(deps, orderId)));
  });

  return router;
}

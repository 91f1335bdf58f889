import { authenticate, parseBody, parseParams, requireRole } from '@shop/shared/core';
import { Router } from 'express';
import type { ReservationUseCases } from '../domain/reservation.use-cases.js';
import { orderIdParamsSchema, reserveStockSchema } from '../domain/reservation.schemas.js';

/** Internal endpoints of the order saga: only other services (and admins) may call them. */
export function reservationRoutes(useCases: ReservationUseCases, jwtSecret: string): Router {
  const router = Router();
  router.use('/reservations', authenticate(jwtSecret), requireRole('service', 'admin'));

  router.post('/reservations', async (req, res) => {
    const { reservation, isReplay } = await useCases.reserveStock(parseBody(req, reserveStockSchema));
    res.status(isReplay ? 200 : 201).json(reservation);
  });

  router.post('/reservations/:orderId/release', async (req, res) => {
    const { orderId } = parseParams(req, orderIdParamsSchema);
    res.json(await useCases.releaseReservation(orderId));
  });

  return router;
}

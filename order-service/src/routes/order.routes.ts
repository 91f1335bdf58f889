import { randomUUID } from 'node:crypto';
import { authenticate, parseBody, parseParams, parseQuery, principalOf, requireRole, ValidationError, type Page } from '@shop/shared/core';
import { Router, type Response } from 'express';
import { cancelOrder } from '../domain/cancel-order.use-case.js';
import { getOrder, listUserOrders, listVisibleOrders } from '../domain/order-queries.js';
import { idempotencyKeySchema, listOrdersQuerySchema, orderIdParamsSchema, placeOrderBodySchema, userIdParamsSchema } from '../domain/order.schemas.js';
import type { Order } from '../domain/order.types.js';
import { placeOrder, type PlaceOrderDeps } from '../domain/place-order.use-case.js';
import { toOrderView } from './order.view.js';

export interface OrderRoutesDeps extends PlaceOrderDeps {
  jwtSecret: string;
}

function readIdempotencyKey(header: string | undefined): string {
  if (header === undefined) return randomUUID();
  const parsed = idempotencyKeySchema.safeParse(header);
  if (!parsed.success) {
    throw new ValidationError('The Idempotency-Key header is invalid', [{ path: 'headers.idempotency-key', message: parsed.error.issues[0]?.message ?? 'invalid' }]);
  }
  return parsed.data;
}

function sendPage(res: Response, page: Page<Order>): void {
  res.json({ ...page, items: page.items.map(toOrderView) });
}

export function orderRoutes(deps: OrderRoutesDeps): Router {
  const router = Router();
  router.use(['/orders', '/users'], authenticate(deps.jwtSecret));

  router.post('/orders', requireRole('user', 'admin'), async (req, res) => {
    const principal = principalOf(req);
    const { items } = parseBody(req, placeOrderBodySchema);
    const idempotencyKey = readIdempotencyKey(req.get('idempotency-key'));
    const { order, isNew } = await placeOrder(deps, { userId: principal.id, idempotencyKey, items });
    if (!isNew) res.set('Idempotent-Replayed', 'true');
    res.status(isNew ? 201 : 200).location(`/orders/${order.id}`).json(toOrderView(order));
  });

  router.get('/orders', async (req, res) => {
    sendPage(res, await listVisibleOrders(deps.orders, principalOf(req), parseQuery(req, listOrdersQuerySchema)));
  });

  router.get('/orders/:id', async (req, res) => {
    const { id } = parseParams(req, orderIdParamsSchema);
    res.json(toOrderView(await getOrder(deps.orders, principalOf(req), id)));
  });

  router.post('/orders/:id/cancel', async (req, res) => {
    const { id } = parseParams(req, orderIdParamsSchema);
    res.json(toOrderView(await cancelOrder(deps, principalOf(req), id)));
  });

  router.get('/users/:userId/orders', async (req, res) => {
    const { userId } = parseParams(req, userIdParamsSchema);
    sendPage(res, await listUserOrders(deps.orders, principalOf(req), userId.toLowerCase(), parseQuery(req, listOrdersQuerySchema)));
  });

  return router;
}

import { serviceRouter } from '@shop/shared/http';
import type { Router } from 'express';
import {
  authenticate,
  parseBody,
  parseParams,
  parseQuery,
  principalOf,
  requireRole,
  ValidationError,
} from '@shop/shared/core';
import { cancelOrder } from '../domain/cancel-order.use-case.js';
import { getOrder } from '../domain/get-order.query.js';
import { listOrders } from '../domain/list-orders.query.js';
import { listUserOrders } from '../domain/list-user-orders.query.js';
import {
  idempotencyKeySchema,
  listOrdersQuerySchema,
  orderIdParamsSchema,
  placeOrderBodySchema,
  userIdParamsSchema,
} from '../domain/order.schemas.js';
import { placeOrder, type PlaceOrderDeps } from '../domain/place-order.use-case.js';
import { toOrderPageView, toOrderView } from './order.view.js';

export interface OrderRoutesDeps extends PlaceOrderDeps {
  jwtSecret: string;
}

/** The optional `Idempotency-Key` header, checked; the use case makes one when it is absent. */
function readIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const parsed = idempotencyKeySchema.safeParse(header);
  if (!parsed.success) {
    throw new ValidationError('The Idempotency-Key header is invalid', [
      { path: 'headers.idempotency-key', message: parsed.error.issues[0]?.message ?? 'invalid' },
    ]);
  }
  return parsed.data;
}

export function orderRoutes(deps: OrderRoutesDeps): Router {
  const router = serviceRouter();
  router.use(['/orders', '/users'], authenticate(deps.jwtSecret));

  router.post('/orders', requireRole('user', 'admin'), async (req, res) => {
    const principal = principalOf(req);
    let request;
    try {
      request = {
        items: parseBody(req, placeOrderBodySchema).items,
        idempotencyKey: readIdempotencyKey(req.get('idempotency-key')),
      };
    } catch (error) {
      deps.orderMetrics.rejected('validation');
      throw error;
    }
    const { items, idempotencyKey } = request;
    const { order, isNew } = await placeOrder(deps, { userId: principal.id, idempotencyKey, items });
    if (!isNew) res.set('Idempotent-Replayed', 'true');
    res
      .status(isNew ? 201 : 200)
      .location(`/orders/${order.id}`)
      .json(toOrderView(order));
  });

  router.get('/orders', async (req, res) => {
    res.json(toOrderPageView(await listOrders(deps, principalOf(req), parseQuery(req, listOrdersQuerySchema))));
  });

  router.get('/orders/:id', async (req, res) => {
    const { id } = parseParams(req, orderIdParamsSchema);
    res.json(toOrderView(await getOrder(deps, principalOf(req), id)));
  });

  router.post('/orders/:id/cancel', async (req, res) => {
    const { id } = parseParams(req, orderIdParamsSchema);
    res.json(toOrderView(await cancelOrder(deps, principalOf(req), id)));
  });

  router.get('/users/:userId/orders', async (req, res) => {
    const { userId } = parseParams(req, userIdParamsSchema);
    res.json(
      toOrderPageView(
        await listUserOrders(deps, principalOf(req), userId.toLowerCase(), parseQuery(req, listOrdersQuerySchema)),
      ),
    );
  });

  return router;
}

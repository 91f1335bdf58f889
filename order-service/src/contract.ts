import type { ServiceOperation } from '@shop/shared/contract';
import {
  idempotencyKeySchema,
  listOrdersQuerySchema,
  orderIdParamsSchema,
  placeOrderBodySchema,
  userIdParamsSchema,
} from './domain/order.schemas.js';
import { orderPageViewSchema, orderViewSchema } from './routes/order.view.js';
import { z } from 'zod';

const tag = 'Orders';
const orderLinks = {
  getOrder: { operationId: 'getOrder', parameters: { id: '$response.body#/id' } },
  cancelOrder: { operationId: 'cancelOrder', parameters: { id: '$response.body#/id' } },
};

/** order-service's public operations (routes/order.routes.ts). */
export const contract: readonly ServiceOperation[] = [
  {
    operationId: 'placeOrder',
    method: 'post',
    path: '/orders',
    tag,
    summary: 'Place an order: stock is reserved, prices are fixed, the order is confirmed',
    description:
      'Send an `Idempotency-Key` to retry safely: a repeat with the same key and the same items answers 200 with ' +
      'the first order and `Idempotent-Replayed: true`; the same key with other items is refused with 422.',
    roles: ['user', 'admin'],
    headers: z.object({
      'Idempotency-Key': idempotencyKeySchema
        .optional()
        .meta({ description: 'Makes retries safe; one is made for the request when absent' }),
    }),
    body: placeOrderBodySchema,
    responses: {
      201: { description: 'Placed and confirmed', body: orderViewSchema, headers: ['Location'], links: orderLinks },
      200: {
        description: 'A repeat of an earlier request with this Idempotency-Key: its order',
        body: orderViewSchema,
        headers: ['Location', 'Idempotent-Replayed'],
        links: orderLinks,
      },
    },
    errors: {
      403: ['USER.DISABLED'],
      409: ['STOCK.INSUFFICIENT', 'ORDER.IN_PROGRESS', 'ORDER.RESERVATION_CONFLICT'],
      422: ['ORDER.IDEMPOTENCY_KEY_REUSED', 'PRODUCT.NOT_FOUND', 'USER.NOT_FOUND'],
    },
  },
  {
    operationId: 'listOrders',
    method: 'get',
    path: '/orders',
    tag,
    summary: "List orders, newest first: a user's own, or every order for an admin",
    query: listOrdersQuerySchema,
    responses: { 200: { description: 'A page of orders', body: orderPageViewSchema } },
  },
  {
    operationId: 'getOrder',
    method: 'get',
    path: '/orders/:id',
    tag,
    summary: 'Read one order',
    description: "Another user's order answers 404, exactly as one that does not exist.",
    params: orderIdParamsSchema,
    responses: { 200: { description: 'The order', body: orderViewSchema } },
    errors: { 404: ['ORDER.NOT_FOUND'] },
  },
  {
    operationId: 'cancelOrder',
    method: 'post',
    path: '/orders/:id/cancel',
    tag,
    summary: 'Cancel a confirmed order; its stock is given back',
    description: 'By its owner or an admin. Cancelling a cancelled order answers it again.',
    params: orderIdParamsSchema,
    responses: { 200: { description: 'The cancelled order', body: orderViewSchema } },
    errors: { 404: ['ORDER.NOT_FOUND'], 409: ['ORDER.NOT_CANCELLABLE', 'ORDER.CANCEL_IN_PROGRESS'] },
  },
  {
    operationId: 'listUserOrders',
    method: 'get',
    path: '/users/:userId/orders',
    tag,
    summary: "List one user's orders, newest first",
    description: "A user may list their own; an admin anyone's. Another user's id answers 404.",
    params: userIdParamsSchema,
    query: listOrdersQuerySchema,
    responses: { 200: { description: 'A page of orders', body: orderPageViewSchema } },
    errors: { 404: ['USER.NOT_FOUND'] },
  },
];

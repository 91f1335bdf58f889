import { routesOf, routesOfContract } from '@shop/test-support';
import { describe, expect, it } from 'vitest';
import { contract } from '../src/contract.js';
import { productRoutes } from '../src/routes/product.routes.js';
import { reservationRoutes } from '../src/routes/reservation.routes.js';

// Called by order-service only; the gateway does not route them.
const INTERNAL = ['GET /products/:id/inventory', 'POST /reservations', 'POST /reservations/:orderId/release'];

describe('product-service contract', () => {
  it('documents every public route it serves, and no route it does not serve', () => {
    const served = routesOf(productRoutes({} as never), reservationRoutes({} as never));
    expect(served.filter((route) => !INTERNAL.includes(route))).toEqual(routesOfContract(contract));
  });
});

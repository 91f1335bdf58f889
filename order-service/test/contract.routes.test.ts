import { routesOf, routesOfContract } from '@shop/test-support';
import { describe, expect, it } from 'vitest';
import { contract } from '../src/contract.js';
import { orderRoutes } from '../src/routes/order.routes.js';

describe('order-service contract', () => {
  it('documents every route it serves, and no route it does not serve', () => {
    expect(routesOf(orderRoutes({} as never))).toEqual(routesOfContract(contract));
  });
});

import { routesOf, routesOfContract } from '@shop/test-support';
import { describe, expect, it } from 'vitest';
import { contract } from '../src/contract.js';
import { authRoutes } from '../src/routes/auth.routes.js';
import { userRoutes } from '../src/routes/user.routes.js';

describe('user-service contract', () => {
  it('documents every route it serves, and no route it does not serve', () => {
    expect(routesOf(authRoutes({} as never), userRoutes({} as never))).toEqual(routesOfContract(contract));
  });
});

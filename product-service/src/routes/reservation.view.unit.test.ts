import { describe, expect, it } from 'vitest';
import { toReservationView } from './reservation.view';

describe('toReservationView', () => {
  it('turns stored cents back into decimal unit prices', () => {
    const view = toReservationView({
      orderId: 'o'.repeat(24),
      items: [{ productId: 'a'.repeat(24), quantity: 2, name: 'Pen', unitPriceCents: 1999 }],
    });

    expect(view.items).toEqual([{ productId: 'a'.repeat(24), name: 'Pen', quantity: 2, unitPrice: 19.99 }]);
  });
});

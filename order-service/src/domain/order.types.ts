export const orderStatuses = ['pending', 'confirmed', 'cancelled'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export interface OrderLine {
  productId: string;
  quantity: number;
}

/** A line as sold: the name and unit price are product-service's snapshot at reservation time. */
export interface PricedLine extends OrderLine {
  name: string;
  unitPriceCents: number;
}

export interface Order {
  id: string;
  userId: string;
  idempotencyKey: string;
  status: OrderStatus;
  /** Priced once confirmed; a pending order holds the requested lines only. */
  items: (OrderLine & Partial<PricedLine>)[];
  totalCents: number;
  createdAt: Date;
  updatedAt: Date;
}

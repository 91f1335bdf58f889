import type { Logger } from '@shop/shared/core';
import { consumerName, startConsumer, type ConsumerOptions, type EventConsumer } from '@shop/shared/events';
import { SoldCountVersions, applyOrderEvent } from './domain/apply-order-event.use-case.js';
import type { ProductStore } from './domain/product.js';
import type { SaleStore } from './domain/sale.js';

/** product-service's consumer group on the order event stream. */
export const ORDER_EVENTS_GROUP = 'product-service';

export interface OrderEventsDeps {
  url: string;
  products: ProductStore;
  sales: SaleStore;
  logger: Logger;
}

/**
 * Keeps soldCount from the order event stream, in the group `product-service`, under this
 * process's own consumer name. `settings` are the runner's (delivery bounds, metrics, readiness).
 */
export function consumeOrderEvents(
  { url, products, sales, logger }: OrderEventsDeps,
  settings: Partial<Omit<ConsumerOptions, 'url' | 'handle' | 'logger'>> = {},
): EventConsumer {
  // One per consumer: the versions of soldCount this process wrote, so most recounts skip a read.
  const knownVersions = new SoldCountVersions();
  return startConsumer({
    url,
    group: ORDER_EVENTS_GROUP,
    consumer: consumerName('product-service'),
    handle: (event) => applyOrderEvent({ products, sales, knownVersions }, event),
    logger,
    ...settings,
  });
}

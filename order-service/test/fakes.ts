import { CircuitOpenError, UpstreamUnavailableError } from '@shop/shared/core';
import type { StockReservations } from '../src/domain/stock-reservations';
import type { UserDirectory } from '../src/domain/user-directory';
import { InsufficientStockError, UnknownProductError, UnknownUserError } from '../src/domain/order.errors';
import type { OrderLine, PricedLine } from '../src/domain/order';

/**
 * In-memory stand-ins for user-service and product-service at the client seam, so these
 * component tests exercise order-service alone; the end-to-end tests run the real ones.
 */
export class FakeUsers implements UserDirectory {
  readonly known = new Set<string>();
  isDown = false;
  async assertUserExists(userId: string): Promise<void> {
    if (this.isDown) throw new UpstreamUnavailableError('user-service', new Error('connection refused'));
    if (!this.known.has(userId)) throw new UnknownUserError();
  }
}

export class FakeStock implements StockReservations {
  readonly products = new Map<string, { name: string; priceCents: number; stock: number }>();
  readonly reservations = new Map<string, PricedLine[]>();
  /** The order id of every release call order-service made, repeats included. */
  readonly released: string[] = [];
  isDown = false;
  private releaseGate: Promise<void> | undefined;
  private isGateForNextReleaseOnly = false;

  /** Stands for the client's breaker being open. */
  isCircuitOpen = false;

  assertAvailable(): void {
    if (this.isCircuitOpen) throw new CircuitOpenError('product-service', 5);
  }

  async reserve(orderId: string, items: OrderLine[]): Promise<PricedLine[]> {
    if (this.isDown) throw new UpstreamUnavailableError('product-service', new Error('connection refused'));
    const existing = this.reservations.get(orderId);
    if (existing !== undefined) return existing;
    for (const { productId, quantity } of items) {
      const product = this.products.get(productId);
      if (product === undefined) throw new UnknownProductError(`Product ${productId} does not exist`, productId);
      if (product.stock < quantity) throw new InsufficientStockError(`Not enough stock for ${product.name}`, productId);
    }
    const priced = items.map(({ productId, quantity }) => {
      const product = this.products.get(productId)!;
      product.stock -= quantity;
      return { productId, quantity, name: product.name, unitPriceCents: product.priceCents };
    });
    this.reservations.set(orderId, priced);
    return priced;
  }

  /** Makes every release wait until the returned function is called, so a test can act while one is in flight. */
  holdReleases(): () => void {
    let open!: () => void;
    this.releaseGate = new Promise<void>((resolve) => {
      open = resolve;
    });
    return () => {
      this.releaseGate = undefined;
      open();
    };
  }

  /** Like holdReleases, but only the next release waits; the ones after it go through at once. */
  holdNextRelease(): () => void {
    const open = this.holdReleases();
    this.isGateForNextReleaseOnly = true;
    return open;
  }

  /** How many times order-service asked to release this order, whatever the fake made of the repeats. */
  releaseCallsFor(orderId: string): number {
    return this.released.filter((id) => id === orderId).length;
  }

  async release(orderId: string): Promise<void> {
    if (this.isDown) throw new UpstreamUnavailableError('product-service', new Error('connection refused'));
    this.released.push(orderId);
    const gate = this.releaseGate;
    if (this.isGateForNextReleaseOnly) {
      this.releaseGate = undefined;
      this.isGateForNextReleaseOnly = false;
    }
    await gate;
    const lines = this.reservations.get(orderId);
    if (lines === undefined) return;
    this.reservations.delete(orderId);
    for (const { productId, quantity } of lines) this.products.get(productId)!.stock += quantity;
  }
}

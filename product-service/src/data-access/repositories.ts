import type { Connection } from 'mongoose';
import type { ProductRepository } from '../domain/product.js';
import type { ReservationRepository } from '../domain/reservation.js';
import { productModel } from './product.model.js';
import { createProductRepository } from './product.repository.js';
import { reservationModel } from './reservation.model.js';
import { createReservationRepository } from './reservation.repository.js';

export interface Repositories {
  products: ProductRepository;
  reservations: ReservationRepository;
}

export function createRepositories(connection: Connection): Repositories {
  return { products: createProductRepository(connection), reservations: createReservationRepository(connection) };
}

/** Builds the indexes; main.ts awaits it once at start-up. */
export async function initModels(connection: Connection): Promise<void> {
  await Promise.all([productModel(connection).init(), reservationModel(connection).init()]);
}

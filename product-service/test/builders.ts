import { unique } from '@shop/test-support';

export interface ProductInput {
  name: string;
  description: string;
  price: number;
  category: string;
  stock: number;
}

/** A valid create-product body with unique values; override what the test is about. */
export function buildProduct(overrides: Partial<ProductInput> = {}): ProductInput {
  return {
    name: unique('Product'),
    description: 'A product made for a test',
    price: 19.99,
    category: unique('category'),
    stock: 10,
    ...overrides,
  };
}

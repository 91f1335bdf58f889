import { objectIdSchema, paginationShape, priceSchema, textSchema } from '@shop/shared/core';
import { z } from 'zod';
import { productSortFields } from './product.js';

const MAX_STOCK = 1_000_000_000;

const name = textSchema(200);
const description = z.string().max(2000);
const category = textSchema(100);

export const productIdParamsSchema = z.strictObject({ id: objectIdSchema });

export const createProductSchema = z.strictObject({
  name,
  description: description.default(''),
  price: priceSchema,
  category,
  stock: z.number().int().min(0).max(MAX_STOCK).default(0),
});
export type CreateProductInput = z.output<typeof createProductSchema>;

// Stock is deliberately absent: it changes only through the relative, atomic stock endpoint.
export const updateProductSchema = z
  .strictObject({
    name: name.optional(),
    description: description.optional(),
    price: priceSchema.optional(),
    category: category.optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'at least one field is required',
  });
export type UpdateProductInput = z.output<typeof updateProductSchema>;

export const stockChangeSchema = z.strictObject({
  quantity: z
    .number()
    .int()
    .min(-MAX_STOCK)
    .max(MAX_STOCK)
    .refine((n) => n !== 0, { message: 'must not be zero' })
    // The refinement, in JSON Schema's words (the OpenAPI document).
    .meta({ override: { not: { const: 0 } } }),
});

/** A field ascending, `-field` descending, or `popular`: most units sold first, ties newest first. */
export const productSorts = [
  ...productSortFields.flatMap((field) => [field, `-${field}`] as const),
  'popular' as const,
];
export type ProductSort = (typeof productSorts)[number];

// Query values arrive as strings; accepting only plain decimals keeps '', '1e3' and ' 5' out.
const queryPrice = z
  .string()
  .regex(/^\d{1,7}(\.\d{1,2})?$/, 'must be a non-negative decimal with at most two decimal places');

export const listProductsQuerySchema = z
  .strictObject({
    category: category.optional(),
    minPrice: queryPrice.optional(),
    maxPrice: queryPrice.optional(),
    sort: z.enum(productSorts as [ProductSort, ...ProductSort[]]).default('-createdAt'),
    ...paginationShape,
  })
  .refine(
    (query) =>
      query.minPrice === undefined || query.maxPrice === undefined || Number(query.minPrice) <= Number(query.maxPrice),
    {
      message: 'minPrice must not be greater than maxPrice',
      path: ['minPrice'],
    },
  );
export type ListProductsQuery = z.output<typeof listProductsQuerySchema>;

import type { ServiceOperation, SuccessResponse } from '@shop/shared/contract';
import { z } from 'zod';
import {
  createProductSchema,
  listProductsQuerySchema,
  productIdParamsSchema,
  stockChangeSchema,
  updateProductSchema,
} from './domain/product.schemas.js';
import { productPageViewSchema, productViewSchema } from './routes/product.view.js';

const tag = 'Products';
const notFound = { 404: ['PRODUCT.NOT_FOUND'] } as const;
const productLinks = {
  getProduct: { operationId: 'getProduct', parameters: { id: '$response.body#/id' } },
  updateProduct: { operationId: 'updateProduct', parameters: { id: '$response.body#/id' } },
  adjustStock: { operationId: 'adjustStock', parameters: { id: '$response.body#/id' } },
};

/** Catalogue reads are cacheable (routes/product.routes.ts): tagged, and conditional on the tag. */
const conditional = z.object({
  'If-None-Match': z.string().optional().meta({
    description:
      'ETags of copies the caller holds (a list, or `*`); while one still matches (weak comparison), the answer is 304 without a body',
  }),
});
const cached =
  "Without a token, the answer may come from the gateway's micro-cache: at most about a second old (`X-Cache: HIT`). With a token it is always read from the service.";
const cacheHeaders = ['ETag', 'Cache-Control', 'X-Cache'] as const;
const notModified: SuccessResponse = {
  description: "Not modified: the caller's copy (If-None-Match) is current",
  headers: cacheHeaders,
};

/** product-service's public operations (routes/product.routes.ts); reservations and inventory are internal. */
export const contract: readonly ServiceOperation[] = [
  {
    operationId: 'listProducts',
    method: 'get',
    path: '/products',
    tag,
    summary: 'List the catalogue, filtered and sorted, a page at a time',
    description: `\`sort=popular\` orders by units sold (\`soldCount\`), ties newest first.\n\n${cached}`,
    query: listProductsQuerySchema,
    headers: conditional,
    responses: {
      200: { description: 'A page of products', body: productPageViewSchema, headers: cacheHeaders },
      304: notModified,
    },
  },
  {
    operationId: 'getProduct',
    method: 'get',
    path: '/products/:id',
    tag,
    summary: 'Read one product',
    description: cached,
    params: productIdParamsSchema,
    headers: conditional,
    responses: {
      200: { description: 'The product', body: productViewSchema, headers: cacheHeaders },
      304: notModified,
    },
    errors: notFound,
  },
  {
    operationId: 'createProduct',
    method: 'post',
    path: '/products',
    tag,
    summary: 'Add a product to the catalogue',
    roles: ['admin'],
    body: createProductSchema,
    responses: {
      201: { description: 'Created', body: productViewSchema, headers: ['Location'], links: productLinks },
    },
  },
  {
    operationId: 'updateProduct',
    method: 'patch',
    path: '/products/:id',
    tag,
    summary: "Change a product's name, description, price or category",
    description: 'Stock changes only through `PATCH /api/products/{id}/stock`.',
    roles: ['admin'],
    params: productIdParamsSchema,
    // The refinement "at least one field", in JSON Schema's words.
    body: updateProductSchema.meta({ override: { minProperties: 1 } }),
    responses: { 200: { description: 'The updated product', body: productViewSchema } },
    errors: notFound,
  },
  {
    operationId: 'adjustStock',
    method: 'patch',
    path: '/products/:id/stock',
    tag,
    summary: 'Add or remove units of stock, atomically',
    description: 'A relative change: `quantity` units are added (positive) or removed (negative).',
    roles: ['admin'],
    params: productIdParamsSchema,
    body: stockChangeSchema,
    responses: { 200: { description: 'The product with its new stock', body: productViewSchema } },
    errors: { ...notFound, 409: ['STOCK.INSUFFICIENT'] },
  },
];

import { authenticate, parseBody, parseParams, parseQuery, requireRole } from '@shop/shared/core';
import { serviceRouter } from '@shop/shared/http';
import type { Router } from 'express';
import { adjustStock } from '../domain/adjust-stock.use-case.js';
import { createProduct } from '../domain/create-product.use-case.js';
import { getInventory } from '../domain/get-inventory.query.js';
import { getProduct } from '../domain/get-product.query.js';
import { listProducts } from '../domain/list-products.query.js';
import type { ProductStore } from '../domain/product.js';
import {
  createProductSchema,
  listProductsQuerySchema,
  productIdParamsSchema,
  stockChangeSchema,
  updateProductSchema,
} from '../domain/product.schemas.js';
import { updateProduct } from '../domain/update-product.use-case.js';
import { toProductInventoryView, toProductPageView, toProductView } from './product.view.js';

/**
 * Catalogue reads are the same for every caller (no field depends on the token), so any cache
 * may keep them, for a second: the gateway's micro-cache bounds how far `stock` lags by that.
 * Only successful reads say so; an error answer carries no Cache-Control.
 */
export const CATALOGUE_CACHE_CONTROL = 'public, max-age=1, stale-while-revalidate=5';

export function productRoutes(deps: { products: ProductStore; jwtSecret: string }): Router {
  const router = serviceRouter();
  const adminOnly = [authenticate(deps.jwtSecret), requireRole('admin')];

  router.get('/products', async (req, res) => {
    const query = parseQuery(req, listProductsQuerySchema);
    const page = toProductPageView(await listProducts(deps, query));
    res.set('Cache-Control', CATALOGUE_CACHE_CONTROL).json(page);
  });

  router.get('/products/:id', async (req, res) => {
    const { id } = parseParams(req, productIdParamsSchema);
    const product = toProductView(await getProduct(deps, id));
    res.set('Cache-Control', CATALOGUE_CACHE_CONTROL).json(product);
  });

  router.post('/products', ...adminOnly, async (req, res) => {
    const product = await createProduct(deps, parseBody(req, createProductSchema));
    res.status(201).location(`/products/${product.id}`).json(toProductView(product));
  });

  router.patch('/products/:id', ...adminOnly, async (req, res) => {
    const { id } = parseParams(req, productIdParamsSchema);
    const changes = parseBody(req, updateProductSchema);
    res.json(toProductView(await updateProduct(deps, id, changes)));
  });

  // Internal: how many units are in stock, held for orders in flight and sold. The gateway does not route it.
  router.get(
    '/products/:id/inventory',
    authenticate(deps.jwtSecret),
    requireRole('admin', 'service'),
    async (req, res) => {
      const { id } = parseParams(req, productIdParamsSchema);
      res.json(toProductInventoryView(await getInventory(deps, id)));
    },
  );

  router.patch('/products/:id/stock', ...adminOnly, async (req, res) => {
    const { id } = parseParams(req, productIdParamsSchema);
    const { quantity } = parseBody(req, stockChangeSchema);
    res.json(toProductView(await adjustStock(deps, id, quantity)));
  });

  return router;
}

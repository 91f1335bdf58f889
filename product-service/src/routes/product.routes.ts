import { authenticate, parseBody, parseParams, parseQuery, requireRole } from '@shop/shared/core';
import { Router } from 'express';
import type { ProductUseCases } from '../domain/product.use-cases.js';
import {
  createProductSchema,
  listProductsQuerySchema,
  productIdParamsSchema,
  stockChangeSchema,
  updateProductSchema,
} from '../domain/product.schemas.js';

export function productRoutes(useCases: ProductUseCases, jwtSecret: string): Router {
  const router = Router();
  const adminOnly = [authenticate(jwtSecret), requireRole('admin')];

  router.get('/products', async (req, res) => {
    res.json(await useCases.listProducts(parseQuery(req, listProductsQuerySchema)));
  });

  router.get('/products/:id', async (req, res) => {
    const { id } = parseParams(req, productIdParamsSchema);
    res.json(await useCases.getProduct(id));
  });

  router.post('/products', ...adminOnly, async (req, res) => {
    const product = await useCases.createProduct(parseBody(req, createProductSchema));
    res.status(201).location(`/products/${product.id}`).json(product);
  });

  router.patch('/products/:id', ...adminOnly, async (req, res) => {
    const { id } = parseParams(req, productIdParamsSchema);
    res.json(await useCases.updateProduct(id, parseBody(req, updateProductSchema)));
  });

  // Internal: how many units are in stock, held for orders in flight and sold. The gateway does not route it.
  router.get('/products/:id/inventory', authenticate(jwtSecret), requireRole('admin', 'service'), async (req, res) => {
    const { id } = parseParams(req, productIdParamsSchema);
    res.json(await useCases.getInventory(id));
  });

  router.patch('/products/:id/stock', ...adminOnly, async (req, res) => {
    const { id } = parseParams(req, productIdParamsSchema);
    const { quantity } = parseBody(req, stockChangeSchema);
    res.json(await useCases.changeStock(id, quantity));
  });

  return router;
}

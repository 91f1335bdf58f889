import { readFileSync } from 'node:fs';
import path from 'node:path';
import { contract as gatewayContract, DOCS_ROUTES, OPERATIONS } from '@shop/api-gateway/contract';
import { contract as orderContract } from '@shop/order-service/contract';
import { contract as productContract } from '@shop/product-service/contract';
import { contract as userContract } from '@shop/user-service/contract';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, publishedOperations, serialiseDocument } from '../src/openapi-document.js';

const services = { 'user-service': userContract, 'product-service': productContract, 'order-service': orderContract };
const committed = readFileSync(path.resolve(__dirname, '../../api-gateway/openapi.json'), 'utf8');

describe('the OpenAPI document', () => {
  it('is the one the code generates (run `npm run openapi` after changing a contract)', () => {
    expect(committed).toBe(serialiseDocument(buildOpenApiDocument()));
  });

  it('has one operation for each route of the gateway, and the gateway-served document and page', () => {
    const document = JSON.parse(committed) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(document.paths).flatMap(([route, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${route.replace(/\{\w+\}/g, ':')}`),
    );
    const routes = OPERATIONS.map(({ method, template }) => `${method} ${template.replace(/:\w+/g, ':')}`);
    const served = DOCS_ROUTES.map(({ method, path }) => `${method} ${path}`);
    expect(operations.sort()).toEqual([...routes, ...served].sort());
  });

  it('refuses a route that no contract documents', () => {
    const undocumented = {
      ...services,
      'product-service': productContract.filter((op) => op.operationId !== 'getProduct'),
    };
    expect(() => publishedOperations(OPERATIONS, undocumented, gatewayContract)).toThrow(
      'GET /api/products/:id is routed but not documented',
    );
  });

  it('refuses a documented operation that the gateway does not route', () => {
    const routes = OPERATIONS.filter(({ template }) => template !== '/api/orders/:id/cancel');
    expect(() => publishedOperations(routes, services, gatewayContract)).toThrow(
      'order-service documents POST /orders/:id/cancel, which the gateway does not route',
    );
  });

  it('documents for each operation who may call it and every error code by status', () => {
    const document = buildOpenApiDocument() as unknown as {
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, { $ref?: string }> }>>;
      components: {
        responses: Record<
          string,
          { content: Record<string, { schema: { allOf: { properties?: { code?: { enum: string[] } } }[] } }> }
        >;
      };
    };
    const codesAt = (route: string, method: string, status: string) => {
      const ref = document.paths[route]?.[method]?.responses[status]?.$ref ?? '';
      const response = document.components.responses[ref.replace('#/components/responses/', '')];
      return response?.content['application/problem+json']?.schema.allOf[1]?.properties?.code?.enum;
    };
    expect(document.paths['/api/orders']?.post?.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/api/auth/login']?.post?.security).toEqual([]);
    expect(codesAt('/api/orders', 'post', '409')).toEqual([
      'STOCK.INSUFFICIENT',
      'ORDER.IN_PROGRESS',
      'ORDER.RESERVATION_CONFLICT',
    ]);
    expect(codesAt('/api/orders', 'post', '401')).toEqual([
      'AUTH.UNAUTHORIZED',
      'AUTH.TOKEN_INVALID',
      'AUTH.TOKEN_EXPIRED',
    ]);
    expect(codesAt('/api/products', 'post', '403')).toEqual(['AUTH.FORBIDDEN']);
    expect(codesAt('/api/products/{id}', 'get', '503')).toEqual([
      'CONNECTION.LIMIT',
      'UPSTREAM.UNAVAILABLE',
      'UPSTREAM.CIRCUIT_OPEN',
    ]);
    expect(codesAt('/api/auth/login', 'post', '401')).toEqual(['AUTH.INVALID_CREDENTIALS']);
  });
});

import { API_INFO, contract as gatewayContract, OPERATIONS } from '@shop/api-gateway/contract';
import { contract as orderContract } from '@shop/order-service/contract';
import { contract as productContract } from '@shop/product-service/contract';
import {
  buildApiDocument,
  type ApiDocument,
  type PublishedOperation,
  type ServiceOperation,
} from '@shop/shared/contract';
import { contract as userContract } from '@shop/user-service/contract';

type Route = (typeof OPERATIONS)[number];

const SERVICE_CONTRACTS: Record<string, readonly ServiceOperation[]> = {
  'user-service': userContract,
  'product-service': productContract,
  'order-service': orderContract,
};

/** `/users/:userId/orders` and `/users/:id/orders` are the same route. */
const shape = (path: string) => path.replace(/:\w+/g, ':');

function find(operations: readonly ServiceOperation[], method: string, path: string): ServiceOperation | undefined {
  return operations.find((operation) => operation.method === method && shape(operation.path) === shape(path));
}

/**
 * Joins the gateway's routing table with the services' contracts: each routed operation must be
 * documented by the service it goes to (or by the gateway, for what it answers itself), and each
 * documented operation must be routed. Either gap throws, naming the operation.
 */
export function publishedOperations(
  routes: readonly Route[] = OPERATIONS,
  services: Record<string, readonly ServiceOperation[]> = SERVICE_CONTRACTS,
  gateway: readonly ServiceOperation[] = gatewayContract,
): PublishedOperation[] {
  const published: PublishedOperation[] = [];
  const used = new Set<ServiceOperation>();
  for (const route of routes) {
    const method = route.method.toLowerCase();
    const isProxied = 'upstream' in route;
    const path = isProxied ? route.template.replace(/^\/api/, '') : route.template;
    const operation = find(isProxied ? (services[route.upstream] ?? []) : gateway, method, path);
    if (operation === undefined)
      throw new Error(`${route.method} ${route.template} is routed but not documented in its contract`);
    used.add(operation);
    published.push({
      operation,
      path: isProxied ? `/api${operation.path}` : operation.path,
      access: route.access,
      proxied: isProxied,
    });
  }
  // What the gateway serves outside its routing table (the document and its page): open to anyone.
  for (const operation of gateway) {
    if (used.has(operation) || matchesRoute(routes, operation)) continue;
    used.add(operation);
    published.push({ operation, path: operation.path, access: 'anonymous', proxied: false });
  }
  for (const [service, operations] of Object.entries(services)) {
    for (const operation of operations) {
      if (!used.has(operation))
        throw new Error(
          `${service} documents ${operation.method.toUpperCase()} ${operation.path}, which the gateway does not route`,
        );
    }
  }
  return published;
}

function matchesRoute(routes: readonly Route[], operation: ServiceOperation): boolean {
  return routes.some(
    (route) => route.method.toLowerCase() === operation.method && shape(route.template) === shape(operation.path),
  );
}

export function buildOpenApiDocument(): ApiDocument {
  return buildApiDocument(API_INFO, publishedOperations());
}

/** The committed file's text: what the gateway serves. */
export function serialiseDocument(document: ApiDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

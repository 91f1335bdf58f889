import type { Router } from 'express';

interface RouteLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/**
 * `METHOD /path` of every route a router declares, as Express holds them (middleware mounted
 * with `router.use` is not a route). For checking a service's routes against its contract.
 */
export function routesOf(...routers: Router[]): string[] {
  const routes: string[] = [];
  for (const router of routers) {
    for (const layer of router.stack as RouteLayer[]) {
      if (layer.route === undefined) continue;
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const method of Object.keys(layer.route.methods).filter((name) => name !== '_all'))
        for (const path of paths) routes.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return routes.sort();
}

/** `METHOD /path` of every operation a service's contract documents, in `routesOf`'s form. */
export function routesOfContract(contract: readonly { method: string; path: string }[]): string[] {
  return contract.map(({ method, path }) => `${method.toUpperCase()} ${path}`).sort();
}

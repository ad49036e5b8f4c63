// Every route an Express app serves, found by walking its router stacks: each with its full path and method (`all`
// for a route answering every method). Tests walk the real app with it, so that a route added anywhere is seen.
import type { Express } from 'express';

export interface ServedRoute {
  readonly method: string;
  readonly path: string;
}

interface Layer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: unknown;
}

export function servedRoutes(app: Express): ServedRoute[] {
  const routes: ServedRoute[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        if (typeof layer.route.path !== 'string') throw new Error(`A route registered with ${JSON.stringify(layer.route.path)}: register one path per route`);
        const path = layer.route.path === '/' && prefix !== '' ? prefix : `${prefix}${layer.route.path}`;
        for (const method of Object.keys(layer.route.methods)) routes.push({ method: method === '_all' ? 'all' : method, path });
      } else if (layer.handle?.stack) {
        if (typeof layer.rawPath !== 'string') throw new Error('A router mounted without a string path');
        walk(layer.handle.stack, layer.rawPath === '/' ? prefix : `${prefix}${layer.rawPath}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return routes;
}

// The route template of a request (`/scim/v2/Users/:id`, not `/scim/v2/Users/2819c223…`), for the request log: it
// groups lines by endpoint and keeps ids out of a field meant for aggregation.
//
// Express knows the matched route's own path (req.route.path, relative to its router) but forgets the router's mount
// path when an error leaves the router (req.baseUrl is restored on the way out). So every router the app builds
// comes from mountedRouter(), whose first middleware notes where it is mounted; the last router entered is the one
// whose route matched (routers are tried in order and the matching one is entered last). test/http/openapi.test.ts
// checks that every documented route logs its own template.
import { Router, type RequestHandler } from 'express';

declare module 'express-serve-static-core' {
  interface Request {
    /** The mount path of the innermost router this request entered (see mountedRouter). */
    routeBase?: string;
  }
}

const recordMount: RequestHandler = (req, _res, next) => {
  req.routeBase = req.baseUrl;
  next();
};

/** An Express router that records its mount path on each request it sees (use it for every router of the app). */
export function mountedRouter(): Router {
  const router = Router();
  router.use(recordMount);
  return router;
}

/** The matched route's full template, or undefined when no route matched (a 404 from a fallback handler). */
export function routeTemplateOf(req: { route?: { path?: unknown }; routeBase?: string }): string | undefined {
  const path = req.route?.path;
  if (typeof path !== 'string') return undefined;
  const base = req.routeBase ?? '';
  if (path === '/') return base === '' ? '/' : base;
  return `${base}${path}`;
}

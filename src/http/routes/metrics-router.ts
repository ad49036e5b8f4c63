// GET /metrics in the Prometheus text format (README "Metrics"): on the server's port (SCIM_METRICS=on, behind
// SCIM_METRICS_TOKEN), or alone on a port of its own (SCIM_METRICS=<port>, where the token is optional). The token is
// compared in constant time through SHA-256 digests of equal length. What the page shows is the server's own
// figures: route templates, status codes, store timings, backlog counts and process metrics; no tenant, token or id.
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import type { Metrics } from '../../metrics/metrics';
import { scimErrors } from '../../scim/errors';
import { errorHandler } from '../middleware/error-handler';
import { methodNotAllowed } from '../method-not-allowed';
import { SECURITY_HEADERS } from '../respond';
import { mountedRouter } from '../route-template';

const digest = (text: string) => createHash('sha256').update(text).digest();

function presentedToken(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

export interface MetricsRouteOptions {
  readonly metrics: Pick<Metrics, 'registry'>;
  /** When set, scrapes must present it as a bearer token. */
  readonly token?: string;
}

/** The router holding GET /metrics (mount it at the server root). */
export function metricsRouter(options: MetricsRouteOptions) {
  const router = mountedRouter();
  const expected = options.token === undefined ? undefined : digest(options.token);
  router.get('/metrics', async (req: Request, res: Response) => {
    if (expected) {
      const presented = presentedToken(req);
      if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
        throw scimErrors.unauthorized('GET /metrics needs Authorization: Bearer <SCIM_METRICS_TOKEN>');
      }
    }
    const body = await options.metrics.registry.metrics();
    res.setHeader('Content-Type', options.metrics.registry.contentType);
    res.end(body);
  });
  router.all('/metrics', methodNotAllowed(['GET']));
  return router;
}

/** The listener of SCIM_METRICS=<port>: /metrics and nothing else. */
export function metricsApp(options: MetricsRouteOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  app.use(metricsRouter(options));
  app.use((req) => {
    throw scimErrors.notFound(`No endpoint at ${req.method} ${req.path}; this port serves GET /metrics only`);
  });
  app.use(errorHandler());
  return app;
}

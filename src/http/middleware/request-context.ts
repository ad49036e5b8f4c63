// Gives each request an id (honouring a sane incoming X-Request-Id), a child logger, and one request-log line.
//
// The line is what an operator reads to find out why an identity provider's request failed, so it carries: the
// tenant and token id (from the verified bearer token), method, route template, status, duration, the user agent
// (Entra ID and Okta name themselves there), the filter of a list or search request, and for an error its scimType
// and detail. What it never carries: the Authorization header or any token, cookies, request or response bodies
// (passwords, personal data), the query string (besides the filter; a mistaken client may put a token there), and
// the values a filter compares a secret attribute with (redact-filter.ts). A path is logged only when no route
// matched (it is then the thing to look at); matched requests log the template, which holds no ids.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { redactFilter } from '../../scim/filter/redact-filter';
import { routeTemplateOf } from '../route-template';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
  }
}

/** What the error handler tells the request log about the error it answered with. */
export interface AnsweredError {
  readonly scimType?: string;
  readonly detail: string;
}

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Routes whose successful answers are logged at debug level only (health checks, Prometheus scrapes). */
const PROBES: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);
const MAX_FIELD = 1000;
const MAX_USER_AGENT = 256;

const bounded = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** The filter of a list (GET) or search (POST …/.search) request, as the client sent it. */
function filterOf(req: Request, route: string | undefined): string | undefined {
  if (req.method === 'GET' && typeof req.query?.filter === 'string') return req.query.filter;
  if (req.method === 'POST' && route?.endsWith('/.search')) {
    const body = req.body as { filter?: unknown } | undefined;
    if (typeof body?.filter === 'string') return body.filter;
  }
  return undefined;
}

export interface RequestContextOptions {
  /** Lower-case names of attributes whose filter values are never logged (secretAttributeNames(registry)). */
  readonly secretAttributes: ReadonlySet<string>;
}

/** Without a registry at hand: the one secret attribute of the built-in schemas. */
const BUILT_IN_SECRETS: ReadonlySet<string> = new Set(['password']);

export function requestContext(logger: Logger, options: RequestContextOptions = { secretAttributes: BUILT_IN_SECRETS }) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.get('X-Request-Id');
    req.id = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ requestId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
      const route = routeTemplateOf(req);
      const line: Record<string, unknown> = {
        tenantId: req.auth?.tenant.id,
        tokenId: req.auth?.actor.tokenId ?? undefined,
        method: req.method,
        route,
        status: res.statusCode,
        ms,
      };
      // Captured from the URL only when no route matched; the query string is never part of it.
      if (route === undefined) line.path = bounded(req.originalUrl.split('?', 1)[0], MAX_FIELD);
      const filter = filterOf(req, route);
      if (filter !== undefined) line.filter = bounded(redactFilter(filter, options.secretAttributes), MAX_FIELD);
      const answered = res.locals.answeredError as AnsweredError | undefined;
      if (answered && res.statusCode >= 400) {
        if (answered.scimType) line.scimType = answered.scimType;
        line.detail = bounded(answered.detail, MAX_FIELD);
      }
      const userAgent = req.get('User-Agent');
      if (userAgent) line.userAgent = bounded(userAgent, MAX_USER_AGENT);
      // The error itself (with its stack) was logged at error level by the error handler; this is the summary.
      if (res.statusCode >= 500) req.log.warn(line, 'request');
      // Health probes (a container health check every few seconds, a load balancer's) would drown the rest.
      else if (route !== undefined && PROBES.has(route) && res.statusCode < 400) req.log.debug(line, 'request');
      else req.log.info(line, 'request');
    });
    next();
  };
}

// Per-request facts the routers need: the verified caller as a RequestContext, the tenant's record, and the absolute
// SCIM base URL. The context is built from the verified token and the request itself, never from its body.
import type { Request } from 'express';
import type { AuthContext } from '../auth/verify-token';
import type { Actor, RequestContext } from '../auth/request-context';
import { scimErrors } from '../scim/errors';
import type { Tenant } from '../store/tenant-store';

function authOf(req: Request): AuthContext {
  if (!req.auth) throw scimErrors.unauthorized('Authentication required');
  return req.auth;
}

export function tenantOf(req: Request): Tenant {
  return authOf(req).tenant;
}

/** The verified token's actor: its id, label and scopes. */
export function actorOf(req: Request): Actor {
  return authOf(req).actor;
}

/**
 * Who acts (the token's actor), for which tenant, with the request id of the logs and the client's address, and the
 * audit record of the request's operation (middleware/audit-trail.ts), which writes hand to the store.
 */
export function requestContextOf(req: Request): RequestContext {
  const { tenant, actor } = authOf(req);
  const operation = req.auditOperation?.();
  // req.ip follows SCIM_TRUST_PROXY ("trust proxy"): the peer address, or the client named by a trusted proxy.
  return { tenantId: tenant.id, actor, requestId: req.id, clientAddress: req.ip ?? null, ...(operation ? { operation } : {}) };
}

/**
 * The base for `meta.location` and `Location`: the configured public URL when set (behind proxies), otherwise
 * this request's scheme and host plus the mount path (`req.baseUrl` ends at the router that holds SCIM).
 */
export function scimBaseUrl(req: Request, publicBaseUrl: string | undefined): string {
  if (publicBaseUrl) return publicBaseUrl.replace(/\/+$/, '');
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${req.app.locals.scimBasePath ?? ''}`;
}

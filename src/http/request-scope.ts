// Per-request facts the routers need: the verified tenant and the absolute SCIM base URL.
import type { Request } from 'express';
import { scimErrors } from '../scim/errors';
import type { Tenant } from '../store/tenant-store';

export function tenantOf(req: Request): Tenant {
  if (!req.auth) throw scimErrors.unauthorized('Authentication required');
  return req.auth.tenant;
}

/**
 * The base for `meta.location` and `Location`: the configured public URL when set (behind proxies), otherwise
 * this request's scheme and host plus the mount path (`req.baseUrl` ends at the router that holds SCIM).
 */
export function scimBaseUrl(req: Request, publicBaseUrl: string | undefined): string {
  if (publicBaseUrl) return publicBaseUrl.replace(/\/+$/, '');
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${req.app.locals.scimBasePath ?? ''}`;
}

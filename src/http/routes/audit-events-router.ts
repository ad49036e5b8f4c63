// GET /AuditEvents and GET /AuditEvents/{id}: the tenant's audit trail, read-only, for tokens with the audit:read
// scope (scim:read alone does not read it). Pages are RFC 9865 cursor pages, newest first, with a SCIM filter on
// type, outcome, time, actor.tokenId and resource.id; any other method answers 405.
import type { Request, Router } from 'express';
import { requireScope } from '../../auth/passport-bearer';
import { Scope } from '../../auth/scopes';
import { AUDIT_EVENT_TYPE, auditEventRepresentation, type AuditQueryService } from '../../extensions/audit/audit-query';
import { scimErrors } from '../../scim/errors';
import { parseListRequest, type ListLimits, type ListParameters } from '../../scim/list/list-request';
import { listResponse } from '../../scim/list/list-response';
import { PRODUCT_URN } from '../../scim/schema/product-registry';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { methodNotAllowed } from '../method-not-allowed';
import { sendScim } from '../respond';
import { mountedRouter } from '../route-template';
import { requestContextOf, scimBaseUrl } from '../request-scope';

export interface AuditEventsRouterDeps {
  /** A registry that knows the AuditEvent resource type (withProductTypes). */
  readonly registry: SchemaRegistry;
  readonly audit: AuditQueryService;
  readonly listLimits: ListLimits;
  readonly publicBaseUrl?: string;
}

/** Parameters of a list that do not apply to the audit trail: refused rather than ignored, so a mistake shows. */
const REFUSED: Readonly<Record<string, string>> = {
  startIndex: 'Audit events are paged by cursor (RFC 9865): send cursor= (empty) for the first page, then each nextCursor',
  sortBy: 'Audit events are always newest first; sortBy is not supported here',
  sortOrder: 'Audit events are always newest first; sortOrder is not supported here',
  attributes: 'attributes is not supported on /AuditEvents: events are returned whole',
  excludedAttributes: 'excludedAttributes is not supported on /AuditEvents: events are returned whole',
};

export function auditEventsRouter(deps: AuditEventsRouterDeps): Router {
  const router = mountedRouter();
  const type = deps.registry.resourceType(AUDIT_EVENT_TYPE);
  if (!type) throw new Error('The registry given to the audit events router does not know AuditEvent');
  const base = (req: Request) => scimBaseUrl(req, deps.publicBaseUrl);

  router.get('/AuditEvents', requireScope(Scope.auditRead), async (req, res) => {
    const params = req.query as ListParameters & Record<string, unknown>;
    for (const [name, why] of Object.entries(REFUSED)) {
      if (params[name] !== undefined) throw scimErrors.invalidValue(why);
    }
    const request = parseListRequest(deps.registry, type, params, deps.listLimits);
    const page = await deps.audit.list(requestContextOf(req), { filter: request.filter, count: request.count, cursor: request.cursor });
    const resources = page.events.map((event) => auditEventRepresentation(event, base(req), PRODUCT_URN.auditEvent));
    sendScim(res, 200, listResponse({ resources, totalResults: page.totalResults, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }));
  });

  router.get('/AuditEvents/:id', requireScope(Scope.auditRead), async (req, res) => {
    const event = await deps.audit.get(requestContextOf(req), String(req.params.id));
    sendScim(res, 200, auditEventRepresentation(event, base(req), PRODUCT_URN.auditEvent));
  });

  // The audit trail is written by the server alone (RFC 7644 §3.12: 405 for a method the endpoint does not offer).
  router.all('/AuditEvents', methodNotAllowed(['GET']));
  router.all('/AuditEvents/:id', methodNotAllowed(['GET']));
  return router;
}

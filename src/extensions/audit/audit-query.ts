// Reading the audit trail (GET /AuditEvents): the SCIM filter of a request as the store's audit filter, cursor pages
// newest first (RFC 9865), and the event as a SCIM resource. Only the tenant of the token is ever read.
import type { RequestContext } from '../../auth/request-context';
import { scimErrors } from '../../scim/errors';
import type { FilterAst } from '../../scim/filter/filter-ast';
import type { CursorBinding, CursorCodec } from '../../scim/list/cursor-codec';
import { pathToString } from '../../scim/paths/resolved-path';
import { mapStoreErrors } from '../../resources/store-errors';
import type { AuditEventRecord, AuditEventStore, AuditFilter, AuditFilterField } from '../../store/audit-event-store';
import { AUDIT_FILTER_FIELDS } from '../../store/audit-event-store';

/** The resource type name of audit events: the cursor scope and `meta.resourceType`. */
export const AUDIT_EVENT_TYPE = 'AuditEvent';

/** The store's filter for a parsed SCIM filter; 400 invalidFilter for attributes the trail is not indexed on. */
export function auditFilterOf(filter: FilterAst): AuditFilter {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return { kind: filter.kind, filters: filter.filters.map(auditFilterOf) };
    case 'not':
      return { kind: 'not', filter: auditFilterOf(filter.filter) };
    case 'present':
      return { kind: 'present', field: fieldOf(pathToString(filter.path)) };
    case 'compare':
      return { kind: 'compare', field: fieldOf(pathToString(filter.path)), op: filter.op, value: String(filter.value) };
    case 'valuePath':
      throw unsupported(pathToString(filter.path));
  }
}

function fieldOf(path: string): AuditFilterField {
  const field = AUDIT_FILTER_FIELDS.find((candidate) => candidate.toLowerCase() === path.toLowerCase());
  if (!field) throw unsupported(path);
  return field;
}

function unsupported(path: string) {
  return scimErrors.invalidFilter(`Audit events can be filtered on ${AUDIT_FILTER_FIELDS.join(', ')} (each indexed), not on '${path}'`);
}

export interface AuditPageRequest {
  readonly filter?: FilterAst;
  readonly count: number;
  /** RFC 9865: undefined or "" for the first page, else a nextCursor. */
  readonly cursor?: string;
}

export interface AuditEventPage {
  readonly events: readonly AuditEventRecord[];
  readonly totalResults: number;
  readonly nextCursor?: string;
}

export interface AuditQueryService {
  list(context: RequestContext, request: AuditPageRequest): Promise<AuditEventPage>;
  get(context: RequestContext, id: string): Promise<AuditEventRecord>;
}

export function createAuditQueryService(deps: { readonly auditEvents: Pick<AuditEventStore, 'list' | 'get'>; readonly cursors: CursorCodec }): AuditQueryService {
  return {
    async list(context, request) {
      const filter = request.filter ? auditFilterOf(request.filter) : undefined;
      // The cursor is bound to the tenant and the filter; the order is fixed (newest first), so no sort is bound.
      const binding: CursorBinding = { tenantId: context.tenantId, scope: AUDIT_EVENT_TYPE, filter: request.filter };
      const position = request.cursor === undefined || request.cursor === '' ? {} : deps.cursors.open(binding, request.cursor);
      const after = position.after ? { time: String(position.after.sortValue), id: position.after.id } : undefined;
      const page = await mapStoreErrors(AUDIT_EVENT_TYPE, () =>
        deps.auditEvents.list(context.tenantId, { count: request.count, ...(filter ? { filter } : {}), ...(after ? { after } : {}) }),
      );
      const nextCursor = page.next && request.count > 0 ? deps.cursors.seal(binding, { after: { sortValue: page.next.time, id: page.next.id } }) : undefined;
      return { events: page.events, totalResults: page.totalResults, ...(nextCursor ? { nextCursor } : {}) };
    },

    async get(context, id) {
      const found = await mapStoreErrors(AUDIT_EVENT_TYPE, () => deps.auditEvents.get(context.tenantId, id));
      if (!found) throw scimErrors.notFound(`AuditEvent ${id} not found`);
      return found;
    },
  };
}

/** An event as the SCIM resource GET /AuditEvents answers. */
export function auditEventRepresentation(event: AuditEventRecord, baseUrl: string, schemaUrn: string): Record<string, unknown> {
  const { id, ...fields } = event;
  return {
    schemas: [schemaUrn],
    id,
    ...fields,
    meta: { resourceType: AUDIT_EVENT_TYPE, created: event.time, lastModified: event.time, location: `${baseUrl}/AuditEvents/${encodeURIComponent(id)}` },
  };
}

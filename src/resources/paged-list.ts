// One page of a list or search: index pages (RFC 7644 §3.4.2.4) or cursor pages (RFC 9865), for one resource type
// or for the root search across resource types (RFC 7644 §3.4.3). Cursors are opened and sealed here, with the tenant
// of the verified token, so that the store sees only keyset positions and the client only sealed cursors.
import type { RequestContext } from '../auth/request-context';
import { scimErrors } from '../scim/errors';
import type { CursorBinding, CursorCodec, CursorPosition } from '../scim/list/cursor-codec';
import type { ListRequest } from '../scim/list/list-request';
import { queryFingerprint } from '../scim/list/query-fingerprint';
import type { ResourceTypeDefinition } from '../scim/schema/attribute';
import type { StoredResource } from '../store/resource-store';
import type { ResourceService } from './resource-service';

export interface ListPage {
  readonly resources: readonly StoredResource[];
  readonly totalResults: number;
  /** Index pages only. */
  readonly startIndex?: number;
  /** Cursor pages only, when another page follows. */
  readonly nextCursor?: string;
}

export interface PagedListDeps {
  readonly service: ResourceService;
  readonly cursors: CursorCodec;
}

/** A resource type searched by the root search, with the request as parsed for that type. */
export interface TypedRequest {
  readonly type: ResourceTypeDefinition;
  readonly request: ListRequest;
}

/** The binding scope of root-search cursors; no resource type name contains a slash. */
const ROOT_SCOPE = '/.search';

export async function listPage(deps: PagedListDeps, context: RequestContext, type: ResourceTypeDefinition, request: ListRequest): Promise<ListPage> {
  if (request.cursor === undefined) {
    const result = await deps.service.list(context, type, request);
    return { resources: result.resources, totalResults: result.totalResults, startIndex: request.startIndex };
  }
  const binding: CursorBinding = { tenantId: context.tenantId, scope: type.name, filter: request.filter, sort: request.sort };
  // RFC 9865: an empty cursor asks for the first page.
  const position = request.cursor === '' ? {} : deps.cursors.open(binding, request.cursor);
  // The walk counts once, on its first page; later pages report that count (RFC 9865 §2: totalResults SHOULD be accurate,
  // and a provider unable to estimate it may even omit it), so that no page of a large walk pays for a count again.
  const result = await deps.service.list(context, type, request, position.after, position.total);
  // A page of count=0 holds no row to continue after: it answers totalResults only, and no cursor.
  const nextCursor = result.next && request.count > 0 ? deps.cursors.seal(binding, { after: result.next, total: result.totalResults }) : undefined;
  return { resources: result.resources, totalResults: result.totalResults, ...(nextCursor ? { nextCursor } : {}) };
}

/**
 * RFC 7644 §3.4.3 search at the root: every searched type in the given order, each ordered by id, one after the
 * other; totalResults is the sum over the types. Sorting across types is refused by the caller (see README).
 */
export async function searchAcrossTypes(
  deps: PagedListDeps,
  context: RequestContext,
  searched: readonly TypedRequest[],
  paging: { readonly startIndex: number; readonly count: number; readonly cursor?: string },
): Promise<ListPage> {
  const countOf = async ({ type, request }: TypedRequest) =>
    (await deps.service.list(context, type, { ...request, cursor: undefined, startIndex: 1, count: 0 })).totalResults;

  if (paging.cursor === undefined) {
    const resources: StoredResource[] = [];
    let totalResults = 0;
    let skip = paging.startIndex - 1;
    for (const entry of searched) {
      const wanted = paging.count - resources.length;
      if (wanted <= 0 || skip > 0) {
        const total = await countOf(entry);
        totalResults += total;
        if (wanted > 0 && skip < total) {
          const page = await deps.service.list(context, entry.type, { ...entry.request, cursor: undefined, startIndex: skip + 1, count: wanted });
          resources.push(...page.resources);
        }
        skip = Math.max(0, skip - total);
        continue;
      }
      const page = await deps.service.list(context, entry.type, { ...entry.request, cursor: undefined, startIndex: 1, count: wanted });
      totalResults += page.totalResults;
      resources.push(...page.resources);
    }
    return { resources, totalResults, startIndex: paging.startIndex };
  }

  const binding: CursorBinding = {
    tenantId: context.tenantId,
    scope: `${ROOT_SCOPE} ${JSON.stringify(searched.map(({ type, request }) => [type.name, queryFingerprint(request)]))}`,
  };
  const position: CursorPosition = paging.cursor === '' ? {} : deps.cursors.open(binding, paging.cursor);
  const start = position.resourceType === undefined ? 0 : searched.findIndex(({ type }) => type.name === position.resourceType);
  if (start < 0) throw scimErrors.invalidCursor('The cursor names a resource type this search does not span. Start again with an empty cursor.');

  const resources: StoredResource[] = [];
  let totalResults = 0;
  let next: CursorPosition | undefined;
  for (let index = 0; index < searched.length; index++) {
    const entry = searched[index];
    const wanted = paging.count - resources.length;
    if (index < start || wanted <= 0) {
      const total = await countOf(entry);
      totalResults += total;
      // The page is full and this type still has rows: the next page starts at its beginning.
      if (index > start && wanted <= 0 && total > 0 && !next && paging.count > 0) next = { resourceType: entry.type.name };
      continue;
    }
    const after = index === start ? position.after : undefined;
    // Any defined cursor selects keyset paging in the service; the position is `after`.
    const page = await deps.service.list(context, entry.type, { ...entry.request, cursor: '', count: wanted }, after);
    totalResults += page.totalResults;
    resources.push(...page.resources);
    if (page.next) next = { resourceType: entry.type.name, after: page.next };
  }
  const nextCursor = next ? deps.cursors.seal(binding, next) : undefined;
  return { resources, totalResults, ...(nextCursor ? { nextCursor } : {}) };
}

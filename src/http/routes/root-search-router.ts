// POST /.search at the SCIM root (RFC 7644 §3.4.3): one query over every resource type the token may read (a read
// token reads them all), answered as one ListResponse of mixed types.
import type { Router } from 'express';
import { requireScope } from '../../auth/passport-bearer';
import { representResource } from '../../resources/represent';
import { searchAcrossTypes, type TypedRequest } from '../../resources/paged-list';
import type { ResourceService } from '../../resources/resource-service';
import { isScimError, scimErrors, ScimType, type ScimError } from '../../scim/errors';
import type { CursorCodec } from '../../scim/list/cursor-codec';
import { parseListRequest, type ListLimits } from '../../scim/list/list-request';
import { listResponse } from '../../scim/list/list-response';
import { parseSearchRequest } from '../../scim/list/search-request';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { Scope } from '../../auth/scopes';
import { methodNotAllowed } from '../method-not-allowed';
import { sendScim } from '../respond';
import { mountedRouter } from '../route-template';
import { requestContextOf, scimBaseUrl } from '../request-scope';

export interface RootSearchRouterDeps {
  readonly registry: SchemaRegistry;
  readonly service: ResourceService;
  readonly listLimits: ListLimits;
  readonly cursors: CursorCodec;
  readonly publicBaseUrl?: string;
}

export function rootSearchRouter(deps: RootSearchRouterDeps): Router {
  const router = mountedRouter();
  const { registry, service } = deps;

  router.post('/.search', requireScope(Scope.read), async (req, res) => {
    const params = parseSearchRequest(req.body);
    // Each type orders by its own sort key in its own query; one order across types would need every type's rows
    // merged in memory, which paging at directory scale must not do.
    if (typeof params.sortBy === 'string' && params.sortBy.trim() !== '') {
      throw scimErrors.invalidValue('sortBy is not supported by the root search across resource types; search one type (e.g. POST /Users/.search) to sort');
    }
    // A type is searched when the filter makes sense for it: a filter naming an attribute the type does not have
    // matches none of its resources. A filter that fits no type at all is the client's error.
    const searched: TypedRequest[] = [];
    let firstError: ScimError | undefined;
    for (const type of registry.resourceTypes) {
      try {
        searched.push({ type, request: parseListRequest(registry, type, params, deps.listLimits) });
      } catch (error) {
        if (!isScimError(error) || error.scimType !== ScimType.invalidFilter) throw error;
        firstError ??= error;
      }
    }
    if (searched.length === 0) throw firstError ?? scimErrors.invalidFilter('The filter applies to no resource type');

    // The search spans resource types: its audit record names none (each type's list would name itself otherwise).
    const { operation: _spansTypes, ...context } = requestContextOf(req);
    // startIndex, count and cursor do not depend on the type: any parsed request holds them.
    const { startIndex, count, cursor } = searched[0].request;
    const page = await searchAcrossTypes({ service, cursors: deps.cursors }, context, searched, { startIndex, count, cursor });
    const baseUrl = scimBaseUrl(req, deps.publicBaseUrl);
    const requestOf = new Map(searched.map((entry) => [entry.type.name, entry]));
    const computedByType = new Map(
      await Promise.all(
        searched.map(async ({ type, request }) => {
          const ids = page.resources.filter((stored) => stored.resourceType === type.name).map((stored) => stored.id);
          const computed = ids.length === 0 ? new Map() : await service.computedAttributesOfPage(context, type, ids, { selection: request.selection, baseUrl });
          return [type.name, computed] as const;
        }),
      ),
    );
    const resources = page.resources.map((stored) => {
      const { type, request } = requestOf.get(stored.resourceType)!;
      return representResource(registry, type, stored, baseUrl, request.selection, computedByType.get(type.name)?.get(stored.id) ?? {});
    });
    sendScim(res, 200, listResponse({ ...page, resources }));
  });

  router.all('/.search', methodNotAllowed(['POST']));
  return router;
}

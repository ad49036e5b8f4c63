// SCIM resource endpoints (RFC 7644 §3.3–§3.6) for one resource type, on the generic service.
import type { Request, RequestHandler, Response, Router } from 'express';
import { scimErrors } from '../../scim/errors';
import { eTagListMatches, versionToETag } from '../../scim/etag';
import { parseListRequest, type ListLimits, type ListParameters } from '../../scim/list/list-request';
import type { CursorCodec } from '../../scim/list/cursor-codec';
import { listResponse } from '../../scim/list/list-response';
import { parseSearchRequest } from '../../scim/list/search-request';
import { listPage } from '../../resources/paged-list';
import type { ResourceTypeDefinition } from '../../scim/schema/attribute';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { Profile } from '../../auth/profile';
import { Scope } from '../../auth/scopes';
import type { ResourceService } from '../../resources/resource-service';
import { representResource, resourceLocation } from '../../resources/represent';
import { requireScope } from '../../auth/passport-bearer';
import { methodNotAllowed } from '../method-not-allowed';
import { retrySafe } from '../middleware/idempotency';
import { sendScim } from '../respond';
import { mountedRouter } from '../route-template';
import { requestContextOf, scimBaseUrl, tenantOf } from '../request-scope';
import { resourceIdOf, resourceResponder } from '../resource-response';

export interface ResourcesRouterDeps {
  readonly registry: SchemaRegistry;
  readonly service: ResourceService;
  readonly listLimits: ListLimits;
  /** Seals and opens RFC 9865 cursors. */
  readonly cursors: CursorCodec;
  readonly publicBaseUrl?: string;
}

/** The reads of a resource type's routes: the list (GET /{Resource}) and one resource (GET /{Resource}/{id}). */
function readHandlers(type: ResourceTypeDefinition, deps: ResourcesRouterDeps) {
  const { registry, service } = deps;
  const sendResource = resourceResponder(type, deps).send;

  const list = async (req: Request, res: Response, params: ListParameters, source: 'uri' | 'body') => {
    const request = parseListRequest(registry, type, params, deps.listLimits, source);
    const context = requestContextOf(req);
    const result = await listPage({ service, cursors: deps.cursors }, context, type, request);
    const baseUrl = scimBaseUrl(req, deps.publicBaseUrl);
    const ids = result.resources.map((stored) => stored.id);
    const computed = await service.computedAttributesOfPage(context, type, ids, { selection: request.selection, baseUrl });
    const resources = result.resources.map((stored) =>
      representResource(registry, type, stored, baseUrl, request.selection, computed.get(stored.id) ?? {}),
    );
    sendScim(res, 200, listResponse({ ...result, resources }));
  };

  const getList: RequestHandler = async (req, res) => {
    await list(req, res, req.query as ListParameters, 'uri');
  };

  const getOne: RequestHandler = async (req, res) => {
    const stored = await service.get(requestContextOf(req), type, resourceIdOf(req));
    // RFC 7644 §3.14 / RFC 7232 §3.2: an unchanged resource answers 304 Not Modified.
    const ifNoneMatch = req.get('If-None-Match');
    if (ifNoneMatch !== undefined && eTagListMatches(ifNoneMatch, stored.version)) {
      sendScim(res, 304, undefined, { ETag: versionToETag(stored.version) });
      return;
    }
    await sendResource(req, res, 200, stored);
  };

  return { list, getList, getOne };
}

/**
 * GET /{Resource} and GET /{Resource}/{id} alone, for the app to mount right after authentication, ahead of the routers
 * that never answer them (discovery, bulk, search, the extensions' routes under the same endpoint, whose paths are
 * either other endpoints, `/{Resource}/.<name>` or two segments deep): a read then skips about two thirds of the
 * router layers and path matches it would otherwise pass (README "Performance"). What this router does not take goes
 * on through the app as before, to the same handlers in resourcesRouter: a request with a body (which the JSON body
 * parser still reads and checks), and an id starting with "." (`/Users/.search`, `/Users/.export`…).
 */
export function resourceReadsRouter(type: ResourceTypeDefinition, deps: ResourcesRouterDeps): Router {
  const router = mountedRouter();
  const { getList, getOne } = readHandlers(type, deps);
  router.use((req, _res, next) => next((req.method === 'GET' || req.method === 'HEAD') && !hasBody(req) ? undefined : 'router'));
  router.get('/', requireScope(Scope.read), getList);
  router.get('/:id', notDotId, requireScope(Scope.read), getOne);
  return router;
}

/** The writes of a resource type's routes: create (POST /{Resource}), PATCH and PUT of /{Resource}/{id}. */
function writeHandlers(type: ResourceTypeDefinition, deps: ResourcesRouterDeps) {
  const { service } = deps;
  const sendResource = resourceResponder(type, deps).send;

  const create: RequestHandler = async (req, res) => {
    const stored = await service.create(requestContextOf(req), type, requireObject(req.body));
    await sendResource(req, res, 201, stored, { Location: resourceLocation(scimBaseUrl(req, deps.publicBaseUrl), type, stored.id) });
  };

  // RFC 7644 §3.5.2: 200 with the resource; tenants on the `entra` profile get 204, as Microsoft's tests expect.
  const patch: RequestHandler = async (req, res) => {
    const { resource } = await service.patch(requestContextOf(req), type, resourceIdOf(req), req.body, { ifMatch: req.get('If-Match') });
    if (tenantOf(req).profile === Profile.entra) {
      sendScim(res, 204, undefined, { ETag: versionToETag(resource.version) });
      return;
    }
    await sendResource(req, res, 200, resource);
  };

  const replace: RequestHandler = async (req, res) => {
    const stored = await service.replace(requestContextOf(req), type, resourceIdOf(req), requireObject(req.body), { ifMatch: req.get('If-Match') });
    await sendResource(req, res, 200, stored);
  };

  return { create, patch, replace };
}

/**
 * POST /{Resource}, PATCH and PUT /{Resource}/{id} alone, for the app to mount right after resourceReadsRouter, ahead
 * of the routers that never answer them (as resourceReadsRouter, README "Performance"): a create or an update then
 * passes 18 router layers and about 20 path matches instead of 31 and 97. Each route reads its body itself, with the
 * app's JSON body parser (the same limits and checks), and only once its path matched, so that a request it does not
 * take goes on unread, to the same handlers in resourcesRouter or to its own route: a POST, PUT or PATCH of
 * `/{Resource}/.<name>` (`.search`, `.bulk-delete`, `.import`…), anything two segments deep (`/Users/{id}/lock`,
 * `/Users/{id}/roles`), and DELETE (a Role's has a route of its own ahead of resourcesRouter).
 */
export function resourceWritesRouter(type: ResourceTypeDefinition, deps: ResourcesRouterDeps & { readonly readBody: RequestHandler }): Router {
  const router = mountedRouter();
  const { create, patch, replace } = writeHandlers(type, deps);
  const { readBody } = deps;
  router.use((req, _res, next) => next(req.method === 'POST' || req.method === 'PATCH' || req.method === 'PUT' ? undefined : 'router'));
  router.post('/', readBody, requireScope(Scope.write), retrySafe, create);
  router.patch('/:id', notDotId, readBody, requireScope(Scope.write), patch);
  router.put('/:id', notDotId, readBody, requireScope(Scope.write), replace);
  return router;
}

/** Leaves `/{Resource}/.<name>` (an action of the endpoint, never a resource id) to the routes that follow. */
const notDotId: RequestHandler = (req, _res, next) => next(resourceIdOf(req).startsWith('.') ? 'route' : undefined);

/** Whether the request carries a body (RFC 9112 §6.3: a Content-Length or a Transfer-Encoding), as body-parser decides it. */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
}

export function resourcesRouter(type: ResourceTypeDefinition, deps: ResourcesRouterDeps): Router {
  const router = mountedRouter();
  const { service } = deps;
  const { list, getList, getOne } = readHandlers(type, deps);
  const { create, patch, replace } = writeHandlers(type, deps);

  router.get('/', requireScope(Scope.read), getList);

  router.post('/.search', requireScope(Scope.read), async (req, res) => {
    await list(req, res, parseSearchRequest(req.body), 'body');
  });
  // Before the /:id routes: `GET /Users/.search` is a wrong method on the search endpoint, not a read of id ".search".
  router.all('/.search', methodNotAllowed(['POST']));

  router.post('/', requireScope(Scope.write), retrySafe, create);

  router.get('/:id', requireScope(Scope.read), getOne);
  router.patch('/:id', requireScope(Scope.write), patch);
  router.put('/:id', requireScope(Scope.write), replace);

  router.delete('/:id', requireScope(Scope.write), async (req, res) => {
    await service.delete(requestContextOf(req), type, resourceIdOf(req), { ifMatch: req.get('If-Match') });
    sendScim(res, 204);
  });

  router.all('/', methodNotAllowed(['GET', 'POST']));
  router.all('/:id', methodNotAllowed(['GET', 'PUT', 'PATCH', 'DELETE']));
  return router;
}

function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw scimErrors.invalidSyntax('The request body must be a JSON object (Content-Type: application/scim+json)');
  }
  return body as Record<string, unknown>;
}

// The account lifecycle routes (README "Account lifecycle"), mounted at the User endpoint beside the SCIM routes and
// before them (so that `/Users/.verify-credentials` is not read as the id of a user). Thin: each route checks its
// scope and hands the body, the id and If-Match to the lifecycle service, which validates and decides; a route that
// changes an account answers like a PATCH does, with the user (its projection, ETag).
import type { Request, Router } from 'express';
import { requireScope } from '../../auth/passport-bearer';
import { Scope } from '../../auth/scopes';
import type { LifecycleService } from '../../extensions/lifecycle/lifecycle-service';
import type { ResourceService, WriteConditions } from '../../resources/resource-service';
import { versionToETag } from '../../scim/etag';
import { parseCursorPaging, type ListLimits, type ListParameters } from '../../scim/list/list-request';
import { listResponse } from '../../scim/list/list-response';
import type { ResourceTypeDefinition } from '../../scim/schema/attribute';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { methodNotAllowed } from '../method-not-allowed';
import { requestContextOf } from '../request-scope';
import { resourceIdOf, resourceResponder } from '../resource-response';
import { sendScim } from '../respond';
import { mountedRouter } from '../route-template';

export interface LifecycleRouterDeps {
  readonly registry: SchemaRegistry;
  readonly service: Pick<ResourceService, 'computedAttributes'>;
  readonly lifecycle: LifecycleService;
  readonly listLimits: Pick<ListLimits, 'maxResults' | 'defaultCount'>;
  readonly publicBaseUrl?: string;
}

/** The action routes that answer with the user; each a method of the lifecycle service. */
const ACTIONS = [
  ['post', '/:id/lock', 'lock'],
  ['post', '/:id/unlock', 'unlock'],
  ['post', '/:id/disable', 'disable'],
  ['post', '/:id/enable', 'enable'],
  ['put', '/:id/state', 'setState'],
  ['post', '/:id/password/expire', 'expirePassword'],
] as const;

export function lifecycleRouter(type: ResourceTypeDefinition, deps: LifecycleRouterDeps): Router {
  const router = mountedRouter();
  const responder = resourceResponder(type, deps);
  const conditionsOf = (req: Request): WriteConditions => ({ ifMatch: req.get('If-Match') });

  router.post('/.verify-credentials', requireScope(Scope.credentials), async (req, res) => {
    sendScim(res, 200, await deps.lifecycle.verifyCredentials(requestContextOf(req), req.body));
  });
  router.all('/.verify-credentials', methodNotAllowed(['POST']));

  for (const [method, path, action] of ACTIONS) {
    router[method](path, requireScope(Scope.write), async (req, res) => {
      const stored = await deps.lifecycle[action](requestContextOf(req), resourceIdOf(req), req.body, conditionsOf(req));
      await responder.send(req, res, 200, stored);
    });
  }

  // RFC 7644 §3.5.2 PATCH of `password` answers with the user; this route sets a password and says only that it did.
  router.post('/:id/password', requireScope(Scope.write), async (req, res) => {
    const stored = await deps.lifecycle.setPassword(requestContextOf(req), resourceIdOf(req), req.body, conditionsOf(req));
    sendScim(res, 204, undefined, { ETag: versionToETag(stored.version) });
  });

  router.get('/:id/sign-ins', requireScope(Scope.read), async (req, res) => {
    const paging = parseCursorPaging(req.query as ListParameters, deps.listLimits);
    const page = await deps.lifecycle.signIns(requestContextOf(req), resourceIdOf(req), paging);
    sendScim(res, 200, listResponse(page));
  });

  for (const [path, allowed] of [
    ...ACTIONS.map(([method, path]) => [path, [method.toUpperCase()]] as const),
    ['/:id/password', ['POST']] as const,
    ['/:id/sign-ins', ['GET']] as const,
  ]) {
    router.all(path, methodNotAllowed([...allowed]));
  }
  return router;
}

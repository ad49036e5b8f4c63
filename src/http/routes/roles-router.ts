// The roles routes beside SCIM (README "Roles"). Thin: each checks its scope and hands the body, the ids and If-Match
// to the roles service. The user routes are mounted at the User endpoint and answer like a PATCH does, with the user
// (its projection, ETag); the role deletion route is mounted at the Role endpoint before the SCIM routes, so that
// `DELETE /Roles/{id}?force=true` reaches it (without `force` it is the SCIM delete, with its 409 while users hold it).
import type { Request, Router } from 'express';
import { requireScope } from '../../auth/passport-bearer';
import { Scope } from '../../auth/scopes';
import type { RolesService } from '../../extensions/roles/roles-service';
import type { ResourceService, WriteConditions } from '../../resources/resource-service';
import { scimErrors } from '../../scim/errors';
import type { ResourceTypeDefinition } from '../../scim/schema/attribute';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { methodNotAllowed } from '../method-not-allowed';
import { requestContextOf } from '../request-scope';
import { resourceIdOf, resourceResponder } from '../resource-response';
import { sendScim } from '../respond';
import { mountedRouter } from '../route-template';

export interface RolesRouterDeps {
  readonly registry: SchemaRegistry;
  readonly service: Pick<ResourceService, 'computedAttributes'>;
  readonly roles: RolesService;
  readonly publicBaseUrl?: string;
}

const conditionsOf = (req: Request): WriteConditions => ({ ifMatch: req.get('If-Match') });

/** POST / PUT /Users/{id}/roles and DELETE /Users/{id}/roles/{name}, at the User endpoint. */
export function userRolesRouter(userType: ResourceTypeDefinition, deps: RolesRouterDeps): Router {
  const router = mountedRouter();
  const responder = resourceResponder(userType, deps);

  router.post('/:id/roles', requireScope(Scope.write), async (req, res) => {
    await responder.send(req, res, 200, await deps.roles.addUserRoles(requestContextOf(req), resourceIdOf(req), req.body, conditionsOf(req)));
  });
  router.put('/:id/roles', requireScope(Scope.write), async (req, res) => {
    await responder.send(req, res, 200, await deps.roles.setUserRoles(requestContextOf(req), resourceIdOf(req), req.body, conditionsOf(req)));
  });
  router.delete('/:id/roles/:name', requireScope(Scope.write), async (req, res) => {
    const stored = await deps.roles.removeUserRole(requestContextOf(req), resourceIdOf(req), String(req.params.name), conditionsOf(req));
    await responder.send(req, res, 200, stored);
  });
  router.all('/:id/roles', methodNotAllowed(['POST', 'PUT']));
  router.all('/:id/roles/:name', methodNotAllowed(['DELETE']));
  return router;
}

/** DELETE /Roles/{id}?force=true, at the Role endpoint; every other request goes on to the SCIM routes. */
export function roleDeletionRouter(deps: Pick<RolesRouterDeps, 'roles'>): Router {
  const router = mountedRouter();
  router.delete('/:id', requireScope(Scope.write), async (req, res, next) => {
    const force = forceOf(req);
    if (!force) {
      next();
      return;
    }
    const deletion = await deps.roles.deleteRole(requestContextOf(req), resourceIdOf(req), { force, ...conditionsOf(req) });
    if (deletion.kind === 'done') {
      sendScim(res, 204);
      return;
    }
    // Many holders: the role is gone, and a job moves them (README "Roles": poll it with the admin CLI).
    sendScim(res, 202, {
      job: { id: deletion.job.id, type: deletion.job.type, status: deletion.job.status, created: deletion.job.created },
      holders: deletion.holders,
      detail: `The role is deleted; a job removes it from its ${deletion.holders} holders in batches`,
    });
  });
  return router;
}

function forceOf(req: Request): boolean {
  const value = req.query.force;
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw scimErrors.invalidValue('The query parameter force must be true or false');
}

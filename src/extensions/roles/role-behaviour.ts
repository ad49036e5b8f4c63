// What the Role resource type adds to the generic service (README "Roles"): a role users hold is not deleted unless
// the caller forces it (the check runs for DELETE /Roles/{id} and Bulk alike), and a rename (PUT or PATCH of `name`)
// reaches every holder, since users hold roles by name. `holders` is counted on read, only when a response asks for it.
import { isAttributeNeeded } from '../../resources/groups/attribute-needed';
import type { ResourceTypeBehaviour } from '../../resources/resource-type-behaviour';
import { scimErrors } from '../../scim/errors';
import { resolveAttributePath } from '../../scim/paths/attribute-path';
import type { SchemaRegistry } from '../../scim/schema/registry';
import type { ResourceReader } from '../../store/resource-store';
import type { DefaultRoles } from './default-roles';
import type { RequestContext } from '../../auth/request-context';
import type { JobRecord } from '../../store/job-store';
import type { HolderUpdates } from './holder-updates';
import type { HolderChange } from './role-holders';
import { ROLE_RESOURCE_TYPE, type RoleCatalogue } from './role-catalogue';

export interface RoleBehaviourDeps {
  readonly catalogue: Pick<RoleCatalogue, 'holderCount'>;
  readonly roles: Pick<ResourceReader, 'get'>;
  readonly holderUpdates: HolderUpdates;
  readonly registry: SchemaRegistry;
  /** Told after every Role write of a tenant: the default roles new users get may have changed. */
  readonly defaults: Pick<DefaultRoles, 'forget'>;
}

export function createRoleBehaviour(deps: RoleBehaviourDeps): ResourceTypeBehaviour {
  const roleType = deps.registry.resourceType(ROLE_RESOURCE_TYPE);
  const holdersPath = roleType ? resolveAttributePath(deps.registry, roleType, 'holders') : undefined;
  // The move a rename claimed its former name with before the write (holder-updates.ts reserve), by request and
  // "role id, former name": a write retried after a lost compare-and-set claims it once.
  const reservations = new WeakMap<RequestContext, Map<string, JobRecord>>();
  const reservationKey = (change: HolderChange) => `${change.roleId}\u0000${change.from}`;
  return {
    // One indexed count per role returned with attributes=holders (a list page asks once per role on it).
    async computedAttributes(context, id, compute) {
      if (!holdersPath || !isAttributeNeeded(compute.selection, holdersPath)) return {};
      const role = await deps.roles.get(context.tenantId, ROLE_RESOURCE_TYPE, id);
      return role ? { holders: await deps.catalogue.holderCount(context.tenantId, String(role.attributes.name)) } : {};
    },

    // A name another role's holders are still being moved off is not free yet (holder-updates.ts).
    async prepareWrite(context, input, draft) {
      const name = draft.attributes.name;
      const renamed = input.current === undefined || String(input.current.attributes.name).toLowerCase() !== String(name).toLowerCase();
      if (typeof name !== 'string' || !renamed) return draft;
      const move = await deps.holderUpdates.movingAway(context.tenantId, name, input.id);
      if (move) {
        throw scimErrors.conflict(
          `The name ${JSON.stringify(name)} is still being taken off the users who held a deleted or renamed role (job ${move.id}): ` +
            `use it once GET /Jobs/${move.id} shows the job finished`,
        );
      }
      if (input.current !== undefined) {
        // A rename: the former name is claimed for the move of its holders before the rename is written, so that no new
        // role takes it between the rename and the move (the move would take that role's holders too). Should the
        // write not happen, the claim ends by itself: its job finds the role still under that name, nothing to move.
        const change = { roleId: input.id, from: String(input.current.attributes.name) };
        let claimed = reservations.get(context);
        if (!claimed) reservations.set(context, (claimed = new Map()));
        if (!claimed.has(reservationKey(change))) claimed.set(reservationKey(change), await deps.holderUpdates.reserve(context, change));
      }
      return draft;
    },

    async beforeDelete(context, id, options) {
      if (options.force) return;
      const role = await deps.roles.get(context.tenantId, ROLE_RESOURCE_TYPE, id);
      if (!role) return;
      const name = String(role.attributes.name);
      const holders = await deps.catalogue.holderCount(context.tenantId, name);
      if (holders > 0) {
        throw scimErrors.conflict(
          `Role ${JSON.stringify(name)} is held by ${holders} user${holders === 1 ? '' : 's'}: remove it from them first, or delete it with ?force=true, which removes it from every holder`,
        );
      }
    },

    async afterDelete(context) {
      deps.defaults.forget(context.tenantId);
    },

    async afterWrite(context, input, stored) {
      deps.defaults.forget(context.tenantId);
      if (!input.current) return;
      const change = { roleId: stored.id, from: String(input.current.attributes.name) };
      const claimed = reservations.get(context);
      const reserved = claimed?.get(reservationKey(change));
      claimed?.delete(reservationKey(change));
      // Users hold the catalogue's spelling, so a change of case is a rename too.
      if (change.from === String(stored.attributes.name)) {
        if (reserved) await deps.holderUpdates.release(context, reserved);
        return;
      }
      await deps.holderUpdates.start(context, change, reserved);
    },
  };
}

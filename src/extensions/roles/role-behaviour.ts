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
import type { HolderUpdates } from './holder-updates';
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
      const from = String(input.current.attributes.name);
      // Users hold the catalogue's spelling, so a change of case is a rename too.
      if (from === String(stored.attributes.name)) return;
      await deps.holderUpdates.start(context, { roleId: stored.id, from });
    },
  };
}

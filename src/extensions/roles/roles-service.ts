// The roles routes beside SCIM (README "Roles"): add, set and remove a user's roles, and delete a role users hold.
// Each user route is a named convenience over the one SCIM PATCH it stands for, run by the same resource service: the
// same catalogue check, one compare-and-set write, the same version, ETag and If-Match rules as the PATCH a client
// could send itself (ARCHITECTURE "Extensions").
import type { RequestContext } from '../../auth/request-context';
import type { ResourceService, WriteConditions } from '../../resources/resource-service';
import { ScimError, scimErrors, ScimType } from '../../scim/errors';
import { URN } from '../../scim/urns';
import type { StoredResource } from '../../store/resource-store';
import type { HolderUpdate, HolderUpdates } from './holder-updates';
import { holderPatch } from './role-holders';
import { ROLE_RESOURCE_TYPE, roleKey } from './role-catalogue';

export interface RolesServiceDeps {
  readonly resources: Pick<ResourceService, 'get' | 'patch' | 'delete' | 'resourceType'>;
  readonly holderUpdates: HolderUpdates;
}

export type RoleDeletion = HolderUpdate;

export interface RolesService {
  /** POST /Users/{id}/roles: grants the named roles (those held already stay as they are). */
  addUserRoles(context: RequestContext, userId: string, body: unknown, conditions?: WriteConditions): Promise<StoredResource>;
  /** PUT /Users/{id}/roles: the user holds exactly the named roles. */
  setUserRoles(context: RequestContext, userId: string, body: unknown, conditions?: WriteConditions): Promise<StoredResource>;
  /** DELETE /Users/{id}/roles/{name}: 404 when the user does not hold it. */
  removeUserRole(context: RequestContext, userId: string, name: string, conditions?: WriteConditions): Promise<StoredResource>;
  /** DELETE /Roles/{id}: 409 while users hold it; with `force`, deleted and taken from every holder. */
  deleteRole(context: RequestContext, roleId: string, options: { readonly force: boolean } & WriteConditions): Promise<RoleDeletion>;
}

export function createRolesService(deps: RolesServiceDeps): RolesService {
  const { resources } = deps;
  const patchUser = async (context: RequestContext, userId: string, operation: Record<string, unknown>, conditions?: WriteConditions) =>
    (await resources.patch(context, resources.resourceType('User'), userId, { schemas: [URN.message.patchOp], Operations: [operation] }, conditions)).resource;
  const asValues = (names: readonly string[]) => names.map((name) => ({ value: name }));

  return {
    async addUserRoles(context, userId, body, conditions) {
      return patchUser(context, userId, { op: 'add', path: 'roles', value: asValues(roleNamesOf(body)) }, conditions);
    },

    async setUserRoles(context, userId, body, conditions) {
      const names = roleNamesOf(body);
      // RFC 7644 §3.5.2.3 replace sets the attribute; an empty set is the attribute's removal (§3.5.2.2).
      const operation = names.length === 0 ? { op: 'remove', path: 'roles' } : { op: 'replace', path: 'roles', value: asValues(names) };
      return patchUser(context, userId, operation, conditions);
    },

    async removeUserRole(context, userId, name, conditions) {
      const user = await resources.get(context, resources.resourceType('User'), userId);
      const held = Array.isArray(user.attributes.roles) ? (user.attributes.roles as Array<{ value?: unknown }>) : [];
      const notHeld = () => scimErrors.notFound(`User ${userId} does not hold the role ${JSON.stringify(name)}`);
      if (!held.some((role) => typeof role.value === 'string' && roleKey(role.value) === roleKey(name))) throw notHeld();
      const [operation] = holderPatch(name, null).Operations as Array<Record<string, unknown>>;
      try {
        return await patchUser(context, userId, operation, conditions);
      } catch (error) {
        // Removed by another request between the read above and the write.
        if (error instanceof ScimError && error.scimType === ScimType.noTarget) throw notHeld();
        throw error;
      }
    },

    async deleteRole(context, roleId, { force, ifMatch }) {
      const roleType = resources.resourceType(ROLE_RESOURCE_TYPE);
      const role = await resources.get(context, roleType, roleId);
      const change = { roleId, from: String(role.attributes.name) };
      // The name is claimed for the move before the role goes, so that no new role takes it in between (its holders
      // would lose it to this move); then the role goes, so that nobody is granted it while its holders are moved off it.
      const reserved = await deps.holderUpdates.reserve(context, change);
      try {
        await resources.delete(context, roleType, roleId, { ifMatch }, { force });
      } catch (error) {
        await deps.holderUpdates.release(context, reserved);
        throw error;
      }
      // Without force too: a user granted the role between the holder check and the delete is a holder now, and is
      // moved off it as a forced delete would (the grant came first). Normally there is none: one count.
      return deps.holderUpdates.start(context, change, reserved);
    },
  };
}

/** `{"roles": ["admin", {"value": "auditor"}]}`: role names, as strings or `{"value": name}` objects. */
export function roleNamesOf(body: unknown): string[] {
  const roles = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>).roles : undefined;
  if (!Array.isArray(roles)) throw scimErrors.invalidSyntax('The body must be {"roles": [<role name>, …]}; a role may also be given as {"value": <role name>}');
  return roles.map((role, index) => {
    const name = typeof role === 'object' && role !== null && !Array.isArray(role) ? (role as Record<string, unknown>).value : role;
    if (typeof name !== 'string' || name.trim() === '') throw scimErrors.invalidValue(`roles[${index}] must be a role name (a non-empty string) or {"value": <role name>}`);
    return name;
  });
}

// User.roles holds catalogue roles only (README "Roles"). One prepareWrite hook, so that POST, PUT, PATCH, Bulk and
// the /Users/{id}/roles routes all pass the same check before anything is written:
//   - a value the stored user already holds, spelled as stored, is kept without a lookup (a role being renamed or
//     force-deleted is still on its holders until the job reaches them, and their other writes must not fail);
//   - every other value is looked up in the catalogue by name, ignoring case, in a few indexed queries; unknown names
//     are 400 invalidValue naming them (tenant setting `roles` = strict) or created first (`create-on-demand`);
//   - values are stored in the catalogue's spelling, once each (a second spelling of a held role adds nothing);
//   - on create, the catalogue's default roles are added.
import type { RequestContext } from '../../auth/request-context';
import type { ResourceTypeBehaviour, WriteDraft, WriteInput } from '../../resources/resource-type-behaviour';
import { scimErrors } from '../../scim/errors';
import type { ScimAttributes } from '../../scim/schema/attribute';
import { DEFAULT_MAX_ATTRIBUTE_VALUES } from '../../scim/schema/value-limit';
import { RolesMode } from '../../settings/tenant-settings';
import type { DefaultRoles } from './default-roles';
import { roleKey, type CatalogueRole, type RoleCatalogue } from './role-catalogue';
import type { RoleHolders } from './role-holders';

export interface UserRolesBehaviourDeps {
  readonly catalogue: RoleCatalogue;
  /** The catalogue's default roles, which every new user gets. */
  readonly defaults: Pick<DefaultRoles, 'of'>;
  /** The tenant's `roles` setting. */
  readonly mode: (context: RequestContext) => Promise<RolesMode>;
  /** Creates the named roles (create-on-demand); a name created meanwhile by another request is no error. */
  readonly createRoles: (context: RequestContext, names: readonly string[]) => Promise<void>;
  /** SCIM_MAX_ATTRIBUTE_VALUES: more roles than this are left to the value limit's 400 tooMany, unlooked-up. */
  readonly maxValues?: number;
  /** Moves one holder off a role renamed or deleted meanwhile, as the role's holder move does (role-holders.ts). */
  readonly holders: Pick<RoleHolders, 'moveOne'>;
}

type RoleValue = Readonly<Record<string, unknown>>;

export function createUserRolesBehaviour(deps: UserRolesBehaviourDeps): ResourceTypeBehaviour {
  const maxValues = deps.maxValues ?? DEFAULT_MAX_ATTRIBUTE_VALUES;
  // Remembered per tenant for a moment (default-roles.ts): creates, and a Bulk request's many creates, read them once.
  const defaultsFor = (context: RequestContext) => deps.defaults.of(context.tenantId);

  // A Bulk request that grants one role to many users looks it up once: roles found are kept for the request.
  const foundOfRequest = new WeakMap<RequestContext, Map<string, CatalogueRole>>();
  const find = async (context: RequestContext, names: readonly string[]): Promise<ReadonlyMap<string, CatalogueRole>> => {
    let known = foundOfRequest.get(context);
    if (!known) {
      known = new Map();
      foundOfRequest.set(context, known);
    }
    const missing = names.filter((name) => !known.has(roleKey(name)));
    if (missing.length > 0) for (const [key, role] of await deps.catalogue.find(context.tenantId, missing)) known.set(key, role);
    return known;
  };

  /** The catalogue roles for `names`, creating the missing ones when the tenant allows it; else 400 naming them. */
  const resolve = async (context: RequestContext, names: readonly string[]): Promise<ReadonlyMap<string, CatalogueRole>> => {
    if (names.length === 0) return new Map();
    const found = await find(context, names);
    const unknown = [...new Map(names.filter((name) => !found.has(roleKey(name))).map((name) => [roleKey(name), name])).values()];
    if (unknown.length === 0) return found;
    if ((await deps.mode(context)) !== RolesMode.createOnDemand) {
      const listed = unknown.map((name) => JSON.stringify(name)).join(', ');
      throw scimErrors.invalidValue(
        `${unknown.length === 1 ? 'Role' : 'Roles'} ${listed} ${unknown.length === 1 ? 'is' : 'are'} not in the tenant's role catalogue: create ${unknown.length === 1 ? 'it' : 'them'} with POST /Roles first (names are matched ignoring case), or have the tenant set roles=create-on-demand`,
      );
    }
    await deps.createRoles(context, unknown);
    return find(context, names);
  };

  return {
    async prepareWrite(context: RequestContext, input: WriteInput, draft: WriteDraft): Promise<WriteDraft> {
      const requested = rolesOf(draft.attributes);
      const defaults = input.kind === 'create' ? await defaultsFor(context) : [];
      if (requested.length === 0 && defaults.length === 0) return draft;
      if (requested.length > maxValues) return draft;

      const unnamed = requested.findIndex((role) => typeof role.value !== 'string' || role.value.trim() === '');
      if (unnamed >= 0) throw scimErrors.invalidValue(`roles[${unnamed}] has no 'value': each role is {"value": <the name of a role of the tenant's catalogue>}`);

      const heldSpellings = new Set(rolesOf(input.current?.attributes).map((role) => role.value));
      const toLookUp = requested.map((role) => role.value as string).filter((name) => !heldSpellings.has(name));
      const catalogue = await resolve(context, toLookUp);

      const seen = new Set<string>();
      const roles: RoleValue[] = [];
      const add = (role: RoleValue) => {
        const name = role.value as string;
        const key = roleKey(name);
        if (seen.has(key)) return;
        seen.add(key);
        const spelling = heldSpellings.has(name) ? name : (catalogue.get(key)?.name ?? name);
        roles.push(spelling === name ? role : { ...role, value: spelling });
      };
      for (const role of requested) add(role);
      for (const role of defaults) add({ value: role.name });

      if (roles.length === requested.length && roles.every((role, index) => role === requested[index])) return draft;
      return { ...draft, attributes: { ...draft.attributes, roles } };
    },

    // A role granted by this write may have been deleted or renamed between its lookup and the write, after its holder
    // move had looked for holders (README "Roles"): the user would keep a name no role has. So the roles this write
    // granted are looked up again once it is written, and a holder of one that is gone is moved as that move would
    // have moved it. Written, then checked: a delete or rename committed after this check moves its holders after
    // this write, so one of the two always sees the other. One indexed query, and only for writes that grant a role.
    async afterWrite(context, input, stored) {
      const held = new Set(rolesOf(input.current?.attributes).map((role) => role.value));
      const granted = [...new Set(rolesOf(stored.attributes).flatMap((role) => (typeof role.value === 'string' && !held.has(role.value) ? [role.value] : [])))];
      if (granted.length === 0) return;
      const now = await deps.catalogue.find(context.tenantId, granted);
      for (const name of granted) {
        if (now.get(roleKey(name))?.name === name) continue;
        const lookedUp = foundOfRequest.get(context)?.get(roleKey(name));
        if (lookedUp) await deps.holders.moveOne(context, stored.id, { roleId: lookedUp.id, from: name });
      }
    },
  };
}

/** The values of `roles` as validation left them (canonical attribute names); malformed values are for the caller. */
function rolesOf(attributes: ScimAttributes | undefined): RoleValue[] {
  const roles = attributes?.roles;
  if (!Array.isArray(roles)) return [];
  return roles.filter((role): role is RoleValue => typeof role === 'object' && role !== null && !Array.isArray(role));
}

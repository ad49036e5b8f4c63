// The tenant's role catalogue as the rest of the roles extension reads it (README "Roles"): Role resources, looked up
// by the names a request carries, and the users that hold a role. Every read is an indexed query in the store (Role
// `name` is unique, so indexed; `roles.value` of User is an indexed path, src/store/model/resource-model.ts): a tenant
// may have thousands of roles and a role millions of holders, and neither is ever loaded whole.
import type { FilterAst } from '../../scim/filter/filter-ast';
import { resolveAttributePath } from '../../scim/paths/attribute-path';
import type { ResolvedPath } from '../../scim/paths/resolved-path';
import type { ResourceTypeDefinition } from '../../scim/schema/attribute';
import { foldCase } from '../../scim/schema/fold-case';
import type { SchemaRegistry } from '../../scim/schema/registry';
import type { ResourceReader, StoredResource } from '../../store/resource-store';

/** The product's resource type for roles (README "Extensions": one URN namespace for our own schemas). */
export const ROLE_RESOURCE_TYPE = 'Role';
export const ROLE_SCHEMA = 'urn:scim-server:params:scim:schemas:roles:2.0:Role';

/** Names per catalogue query: one `or` of indexed `eq`s, so a request with many roles costs a few round trips. */
export const ROLE_LOOKUP_BATCH = 100;
/** The most default roles given to a new user (the value limit of `roles` bounds them anyway). */
export const DEFAULT_ROLES_MAX = 1000;

export interface CatalogueRole {
  readonly id: string;
  /** The catalogue's spelling: the one users hold. */
  readonly name: string;
}

export interface HoldersPage {
  readonly userIds: readonly string[];
  /** The last id of the page when more may follow. */
  readonly next?: string;
}

export interface RoleCatalogue {
  /** The roles named by `names` (matched ignoring case), keyed by roleKey(name); names the catalogue lacks are absent. */
  find(tenantId: string, names: readonly string[]): Promise<ReadonlyMap<string, CatalogueRole>>;
  /** The roles marked `default`, given to every new user. */
  defaults(tenantId: string): Promise<readonly CatalogueRole[]>;
  /** How many users hold the role (one indexed count). */
  holderCount(tenantId: string, name: string): Promise<number>;
  /** Users holding the role, in id order after `after` (a keyset page, resumable from its last id). */
  holders(tenantId: string, name: string, options: { readonly after?: string; readonly limit: number }): Promise<HoldersPage>;
}

export interface RoleCatalogueDeps {
  readonly store: Pick<ResourceReader, 'list'>;
  readonly registry: SchemaRegistry;
}

/** How role names are compared: ignoring case, as RFC 7643 §2.2 caseExact=false compares (the store folds alike). */
export function roleKey(name: string): string {
  return foldCase(name);
}

export function createRoleCatalogue(deps: RoleCatalogueDeps): RoleCatalogue {
  const { store } = deps;
  const roleType = requiredType(deps.registry, ROLE_RESOURCE_TYPE);
  const userType = requiredType(deps.registry, 'User');
  const namePath = requiredPath(deps.registry, roleType, 'name');
  const defaultPath = requiredPath(deps.registry, roleType, 'default');
  const holderPath = requiredPath(deps.registry, userType, 'roles.value');
  const heldBy = (name: string): FilterAst => ({ kind: 'compare', path: holderPath, op: 'eq', value: name });

  return {
    async find(tenantId, names) {
      const distinct = [...new Map(names.map((name) => [roleKey(name), name])).values()];
      const found = new Map<string, CatalogueRole>();
      for (let start = 0; start < distinct.length; start += ROLE_LOOKUP_BATCH) {
        const batch = distinct.slice(start, start + ROLE_LOOKUP_BATCH);
        const filters = batch.map((name): FilterAst => ({ kind: 'compare', path: namePath, op: 'eq', value: name }));
        const { resources } = await store.list(tenantId, {
          resourceType: roleType.name,
          filter: filters.length === 1 ? filters[0] : { kind: 'or', filters },
          page: { kind: 'keyset', count: batch.length },
        });
        for (const role of resources.map(catalogueRole)) found.set(roleKey(role.name), role);
      }
      return found;
    },

    async defaults(tenantId) {
      const { resources } = await store.list(tenantId, {
        resourceType: roleType.name,
        filter: { kind: 'compare', path: defaultPath, op: 'eq', value: true },
        page: { kind: 'keyset', count: DEFAULT_ROLES_MAX },
      });
      return resources.map(catalogueRole);
    },

    async holderCount(tenantId, name) {
      const { totalResults } = await store.list(tenantId, { resourceType: userType.name, filter: heldBy(name), page: { kind: 'index', startIndex: 1, count: 0 } });
      return totalResults;
    },

    async holders(tenantId, name, { after, limit }) {
      const result = await store.list(tenantId, {
        resourceType: userType.name,
        filter: heldBy(name),
        page: { kind: 'keyset', ...(after === undefined ? {} : { after: { sortValue: null, id: after } }), count: limit },
      });
      const userIds = result.resources.map((user) => user.id);
      return result.next ? { userIds, next: result.next.id } : { userIds };
    },
  };
}

function catalogueRole(role: StoredResource): CatalogueRole {
  return { id: role.id, name: String(role.attributes.name) };
}

function requiredType(registry: SchemaRegistry, name: string): ResourceTypeDefinition {
  const type = registry.resourceType(name);
  if (!type) throw new Error(`The roles extension needs the resource type ${name} in the schema registry`);
  return type;
}

function requiredPath(registry: SchemaRegistry, type: ResourceTypeDefinition, text: string): ResolvedPath {
  const path = resolveAttributePath(registry, type, text);
  if (!path) throw new Error(`The roles extension needs the attribute ${type.name}.${text}`);
  return path;
}

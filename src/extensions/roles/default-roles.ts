// The catalogue's default roles, which every new user gets (README "Roles"), remembered per tenant for a moment.
//
// Why: each create asked the store for them, one list query per POST /Users. Profiled on the benchmark's create
// scenario, that query, its hand-off to a read thread and back, was about a tenth of the server's busy time, for an
// answer that changes when someone edits the catalogue, which is rare.
//
// How long a change takes to count: this instance forgets a tenant's defaults as soon as one of its Role writes
// (create, replace, PATCH, delete, through any route) has committed, so a user created here after that write gets the
// new defaults. A Role write on ANOTHER instance on the same store (or the admin CLI) is seen here within
// DEFAULT_ROLES_REMEMBER_MS. What is remembered is the lookup itself, from its start: a forget drops a lookup still in
// flight too, so a slow lookup cannot put back what a write just made stale.
import type { CatalogueRole, RoleCatalogue } from './role-catalogue';

/** How long a tenant's default roles are remembered (the bound on seeing another instance's Role writes). */
export const DEFAULT_ROLES_REMEMBER_MS = 1000;

export interface DefaultRoles {
  /** The tenant's default roles, from memory when read less than DEFAULT_ROLES_REMEMBER_MS ago. */
  of(tenantId: string): Promise<readonly CatalogueRole[]>;
  /** Drops what is remembered of the tenant (after one of its roles was written). */
  forget(tenantId: string): void;
}

export interface DefaultRolesDeps {
  readonly catalogue: Pick<RoleCatalogue, 'defaults'>;
  readonly clock?: () => Date;
  readonly rememberMs?: number;
}

interface Remembered {
  readonly roles: Promise<readonly CatalogueRole[]>;
  readonly until: number;
}

/** Tenants remembered at most; past it the oldest entry goes (a flood of tenants costs lookups, never memory). */
const MAX_TENANTS = 10_000;

export function createDefaultRoles(deps: DefaultRolesDeps): DefaultRoles {
  const clock = deps.clock ?? (() => new Date());
  const rememberMs = deps.rememberMs ?? DEFAULT_ROLES_REMEMBER_MS;
  const remembered = new Map<string, Remembered>();

  return {
    of(tenantId) {
      const now = clock().getTime();
      const known = remembered.get(tenantId);
      if (known && known.until > now) return known.roles;
      const roles = deps.catalogue.defaults(tenantId);
      remembered.delete(tenantId);
      remembered.set(tenantId, { roles, until: now + rememberMs });
      if (remembered.size > MAX_TENANTS) remembered.delete(remembered.keys().next().value as string);
      // A failed lookup is not remembered: the next create asks again.
      roles.catch(() => {
        if (remembered.get(tenantId)?.roles === roles) remembered.delete(tenantId);
      });
      return roles;
    },

    forget(tenantId) {
      remembered.delete(tenantId);
    },
  };
}

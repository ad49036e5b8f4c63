// First start: on a store with no tenant at all, create tenant "default" and one token with both scopes, so that
// a fresh server is usable at once. Does nothing once any tenant exists (later tenants come from the admin CLI).
import { Profile, type Tenant, type TenantStore } from '../store/tenant-store';
import { randomIds, type IdSource } from './id-source';
import { DEFAULT_SCOPES } from './scopes';
import { issueToken } from './tokens';

export const BOOTSTRAP_TENANT_NAME = 'default';
export const BOOTSTRAP_TOKEN_LABEL = 'bootstrap';

export interface BootstrapDeps {
  readonly tenants: Pick<TenantStore, 'listTenants' | 'createTenant' | 'createToken'>;
  readonly now?: () => Date;
  readonly ids?: IdSource;
  /** SCIM_BOOTSTRAP_TOKEN: the token the operator chose; presented exactly as given, stored hashed. */
  readonly bootstrapToken?: string;
}

export interface BootstrapResult {
  /** The tenant created now, or (when tenants already existed) the first existing one. */
  readonly tenant: Tenant;
  readonly created: boolean;
  /** The id of the token created now (list and revoke it with the admin CLI). */
  readonly tokenId?: string;
  /**
   * The plaintext of a token generated now, to be shown once. Absent when nothing was created, and when the
   * operator chose the token: echoing a secret they already hold would only copy it into logs.
   */
  readonly token?: string;
}

export async function ensureBootstrap(deps: BootstrapDeps): Promise<BootstrapResult> {
  const existing = await deps.tenants.listTenants();
  if (existing.length > 0) return { tenant: existing[0], created: false };

  const now = (deps.now ?? (() => new Date()))();
  const ids = deps.ids ?? randomIds;
  const tenant: Tenant = { id: ids.uuid(), name: BOOTSTRAP_TENANT_NAME, profile: Profile.standard, created: now.toISOString() };
  let issued;
  try {
    // Issued before anything is written, so that a bad SCIM_BOOTSTRAP_TOKEN leaves the store untouched.
    issued = issueToken({ tenantId: tenant.id, label: BOOTSTRAP_TOKEN_LABEL, scopes: DEFAULT_SCOPES, now, ids, chosenToken: deps.bootstrapToken });
  } catch (error) {
    throw new Error(`SCIM_BOOTSTRAP_TOKEN is not usable: ${(error as Error).message}`, { cause: error });
  }
  await deps.tenants.createTenant(tenant);
  await deps.tenants.createToken(issued.record);
  const result = { tenant, created: true, tokenId: issued.record.id };
  return deps.bootstrapToken === undefined ? { ...result, token: issued.token } : result;
}

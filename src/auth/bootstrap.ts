// First start: on a store with no tenant at all, create tenant "default" and one token with both scopes, so that
// a fresh server is usable at once. Does nothing once any tenant exists (later tenants come from the admin CLI),
// but says so when the operator supplied SCIM_BOOTSTRAP_TOKEN and it was not used (describeBootstrap). Several
// instances starting together on one empty store create one tenant between them (TenantStore.createFirstTenant):
// the others report it as existing, and with the same SCIM_BOOTSTRAP_TOKEN as `present`.
import type { Tenant, TenantStore } from '../store/tenant-store';
import { randomIds, type IdSource } from './id-source';
import { Profile } from './profile';
import { DEFAULT_SCOPES } from './scopes';
import { hashSecret, issueToken } from './tokens';

export const BOOTSTRAP_TENANT_NAME = 'default';
export const BOOTSTRAP_TOKEN_LABEL = 'bootstrap';

export interface BootstrapDeps {
  readonly tenants: Pick<TenantStore, 'listTenants' | 'createFirstTenant' | 'findTokenBySecretHash'>;
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
  /**
   * What became of SCIM_BOOTSTRAP_TOKEN when one was supplied: `created` (it is the new tenant's token), `present`
   * (tenants exist and it already is one of their tokens), `ignored` (tenants exist and it is none of their tokens).
   */
  readonly chosenToken?: 'created' | 'present' | 'ignored';
  /** For `present`: the token it is. */
  readonly presentTokenId?: string;
  /** The store was empty when this instance looked, and another instance created the first tenant meanwhile. */
  readonly createdElsewhere?: boolean;
}

export async function ensureBootstrap(deps: BootstrapDeps): Promise<BootstrapResult> {
  const existing = await deps.tenants.listTenants();
  if (existing.length > 0) return describeExisting(deps, existing);

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
  // Another instance may have started on the same empty store a moment ago: then its tenant is the one.
  if (!(await deps.tenants.createFirstTenant(tenant, issued.record))) {
    return { ...(await describeExisting(deps, await deps.tenants.listTenants())), createdElsewhere: true };
  }
  const result = { tenant, created: true, tokenId: issued.record.id };
  return deps.bootstrapToken === undefined ? { ...result, token: issued.token } : { ...result, chosenToken: 'created' };
}

/** The store already has tenants: nothing to create; say what became of SCIM_BOOTSTRAP_TOKEN when one was given. */
async function describeExisting(deps: BootstrapDeps, existing: readonly Tenant[]): Promise<BootstrapResult> {
  if (deps.bootstrapToken === undefined) return { tenant: existing[0], created: false };
  const record = await deps.tenants.findTokenBySecretHash(hashSecret(deps.bootstrapToken));
  return record
    ? { tenant: existing.find((tenant) => tenant.id === record.tenantId) ?? existing[0], created: false, chosenToken: 'present', presentTokenId: record.id }
    : { tenant: existing[0], created: false, chosenToken: 'ignored' };
}

/** The start-up log line about the bootstrap: what was created, or why SCIM_BOOTSTRAP_TOKEN was not used. */
export function describeBootstrap(result: BootstrapResult): { readonly level: 'info' | 'warn'; readonly message: string } | undefined {
  const tenant = `tenant "${result.tenant.name}" (${result.tenant.id})`;
  switch (result.chosenToken) {
    case 'created':
      return { level: 'info', message: `Created ${tenant} with the token from SCIM_BOOTSTRAP_TOKEN (token id ${result.tokenId}); it is not printed` };
    case 'present':
      return { level: 'info', message: `SCIM_BOOTSTRAP_TOKEN is already token ${result.presentTokenId} of ${tenant}: nothing to create` };
    case 'ignored':
      return {
        level: 'warn',
        message:
          'SCIM_BOOTSTRAP_TOKEN is ignored: the store already has tenants, and the value is none of their tokens. ' +
          'It only applies to the first start on an empty store; create tokens with `npm run admin -- token create <tenantId>`',
      };
    default:
      if (result.created) return { level: 'info', message: `Created ${tenant} with a bootstrap token, printed once on standard output` };
      if (result.createdElsewhere) {
        return {
          level: 'info',
          message:
            `Another instance starting on the same empty store created ${tenant} and printed its token; ` +
            'if that output is lost, create a token with `npm run admin -- token create <tenantId>`',
        };
      }
      return undefined;
  }
}

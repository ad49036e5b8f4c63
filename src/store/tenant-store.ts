// Tenants (one customer's directory each) and the bearer tokens that reach them.
import type { MembershipStore } from './membership-store';
import type { ResourceStore } from './resource-store';

export const Scope = { read: 'scim:read', write: 'scim:write' } as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

/** Compatibility profiles change protocol details for one tenant (see README "Compatibility profiles"). */
export const Profile = { standard: 'standard', entra: 'entra' } as const;
export type Profile = (typeof Profile)[keyof typeof Profile];

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly profile: Profile;
  readonly created: string;
}

export interface TokenRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly label: string;
  readonly scopes: readonly Scope[];
  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  readonly secretHash: string;
  readonly created: string;
  readonly revoked?: string;
}

export interface TenantStore {
  createTenant(tenant: Tenant): Promise<void>;
  getTenant(id: string): Promise<Tenant | null>;
  listTenants(): Promise<Tenant[]>;
  updateTenantProfile(id: string, profile: Profile): Promise<boolean>;
  createToken(token: TokenRecord): Promise<void>;
  findTokenBySecretHash(secretHash: string): Promise<TokenRecord | null>;
  listTokens(tenantId?: string): Promise<TokenRecord[]>;
  /** Returns false when no such token exists. Revocation is immediate for new requests. */
  revokeToken(id: string, at: string): Promise<boolean>;
}

/** Everything a concrete store offers; src/app.ts receives one and hands the narrow ports to services. */
export interface Store {
  readonly resources: ResourceStore;
  readonly tenants: TenantStore;
  /** Group membership as its own relation (see membership-store.ts). */
  readonly memberships: MembershipStore;
  /** Resolves when the database answers; used by /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// Tenants (one customer's directory each) and the bearer tokens that reach them. The store keeps a tenant's profile
// and a token's scopes as the strings it was given; what they mean (src/auth/profile.ts, src/auth/scopes.ts) is
// decided by auth, so that no store knows of authorisation.
import type { AuditEventStore } from './audit-event-store';
import type { BlobStore } from './blob-store';
import type { DerivedDataMaintenance } from './derived-data';
import type { IdempotencyStore } from './idempotency-store';
import type { JobStore } from './job-store';
import type { MembershipStore } from './membership-store';
import type { OutboxStore } from './outbox-store';
import type { RateLimitStore } from './rate-limit-store';
import type { ResourceStore } from './resource-store';
import type { SettingsStore } from './settings-store';
import type { InvitationStore } from './invitation-store';
import type { SignInStore } from './sign-in-store';

export interface Tenant {
  readonly id: string;
  readonly name: string;
  /** A compatibility profile name (src/auth/profile.ts). */
  readonly profile: string;
  readonly created: string;
}

export interface TokenRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly label: string;
  /** Scope names (src/auth/scopes.ts); auth ignores any it does not know. */
  readonly scopes: readonly string[];
  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  readonly secretHash: string;
  readonly created: string;
  readonly revoked?: string;
  /** When the token stops working (optional expiry, or the end of a rotation's overlap window). */
  readonly expires?: string;
  /**
   * When the token last authenticated a request, recorded at most once a minute per token and server instance
   * (src/auth/last-used.ts), so it may be up to about a minute behind.
   */
  readonly lastUsed?: string;
}

export interface TenantStore {
  createTenant(tenant: Tenant): Promise<void>;
  /**
   * The first start's tenant (src/auth/bootstrap.ts): creates `tenant` and its `token` only when the store has no
   * tenant at all. Safe when several instances start at once on one empty store (exactly one creates its tenant), and
   * resumable (a bootstrap interrupted between its writes is completed by the next call, whichever instance makes
   * it). Resolves true when this call created its tenant, false when the store already had one.
   */
  createFirstTenant(tenant: Tenant, token: TokenRecord): Promise<boolean>;
  getTenant(id: string): Promise<Tenant | null>;
  listTenants(): Promise<Tenant[]>;
  updateTenantProfile(id: string, profile: string): Promise<boolean>;
  createToken(token: TokenRecord): Promise<void>;
  findTokenBySecretHash(secretHash: string): Promise<TokenRecord | null>;
  listTokens(tenantId?: string): Promise<TokenRecord[]>;
  /** Returns false when no such token exists. Revocation is immediate for new requests. */
  revokeToken(id: string, at: string): Promise<boolean>;
  /**
   * Makes the token stop working at `expires`, or earlier if it already expires earlier (an expiry only ever moves
   * closer). Returns false when no such token exists.
   */
  expireToken(id: string, expires: string): Promise<boolean>;
  /** Records that the token was used at `at`; a later recorded time is kept (instances may report out of order). */
  touchToken(id: string, at: string): Promise<void>;
  /**
   * Calls `listener` after each revokeToken, expireToken and updateTenantProfile made through this store object, and
   * after its Store's deleteTenant (see access-changes.ts); returns the unsubscribe function. Only this process's
   * calls are seen: other processes' changes reach a cache through its time limit.
   */
  onAccessChange(listener: () => void): () => void;
}

/** What deleting a tenant removed: rows or documents per table or collection of the store (names are the store's). */
export interface TenantDeletion {
  readonly removed: Readonly<Record<string, number>>;
}

/** Everything a concrete store offers; src/app.ts receives one and hands the narrow ports to services. */
export interface Store {
  readonly resources: ResourceStore;
  readonly tenants: TenantStore;
  /** Group membership as its own relation (see membership-store.ts). */
  readonly memberships: MembershipStore;
  /**
   * Deletes a tenant and every piece of data that belongs to it (tokens first, so that it stops being reachable,
   * then its resources, memberships and any other tenant-scoped data, the tenant itself last). Resumable: when
   * interrupted, running it again finishes the job. Resolves to null when no such tenant exists.
   */
  deleteTenant(tenantId: string): Promise<TenantDeletion | null>;
  /** Per-tenant settings with a version for caches (see settings-store.ts). */
  readonly settings: SettingsStore;
  /** Jobs with leases: long work that survives restarts and runs once across instances (see job-store.ts). */
  readonly jobs: JobStore;
  /** Side effects to deliver with retries (see outbox-store.ts). */
  readonly outbox: OutboxStore;
  /** What every operation did, per tenant, delivered through the outbox (see audit-event-store.ts). */
  readonly auditEvents: AuditEventStore;
  /** Files written and served as streams (see blob-store.ts). */
  readonly blobs: BlobStore;
  /** Rate-limit counters shared by every instance on the store (see rate-limit-store.ts). */
  readonly rateLimits: RateLimitStore;
  /** Idempotency-Key records of retry-safe requests (see idempotency-store.ts). */
  readonly idempotency: IdempotencyStore;
  /** Present on a store that rebuilds derived fields in the background after a schema change (MongoDB; see derived-data.ts). */
  readonly derivedData?: DerivedDataMaintenance;
  /** Users' sign-in history, newest first, kept per tenant for a number of days (see sign-in-store.ts). */
  readonly signIns: SignInStore;
  /** Invitations and the hashes of their links (see invitation-store.ts). */
  readonly invitations: InvitationStore;
  /**
   * Present on a store whose writes can be visible to other requests a moment before they are on disk (the embedded
   * store syncs its log off the event loop): undefined when everything committed is on disk, else a promise that
   * resolves (never rejects) once it is. Every response waits for it (http/hold-until-durable.ts).
   */
  durable?(): Promise<void> | undefined;
  /** Resolves when the database answers; used by /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

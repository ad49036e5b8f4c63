// An in-memory TenantStore for unit tests: the behaviour the port documents, nothing more.
import type { Store, Tenant, TenantStore, TokenRecord } from '../../../src/store/tenant-store';
import type { Profile } from '../../../src/auth/profile';
import { createAccessChanges } from '../../../src/store/access-changes';

export interface FakeTenantStore extends TenantStore, Pick<Store, 'deleteTenant'> {
  readonly tenantRows: Map<string, Tenant>;
  readonly tokenRows: Map<string, TokenRecord>;
  /** Every call, by method name, in order. */
  readonly calls: string[];
  close(): Promise<void>;
  closed: boolean;
}

export function createFakeTenantStore(seed: { tenants?: Tenant[]; tokens?: TokenRecord[] } = {}): FakeTenantStore {
  const tenantRows = new Map<string, Tenant>((seed.tenants ?? []).map((tenant) => [tenant.id, tenant]));
  const tokenRows = new Map<string, TokenRecord>((seed.tokens ?? []).map((token) => [token.id, token]));
  const calls: string[] = [];
  const changes = createAccessChanges();
  const store: FakeTenantStore = {
    tenantRows,
    tokenRows,
    calls,
    closed: false,
    async createTenant(tenant) {
      calls.push('createTenant');
      if (tenantRows.has(tenant.id)) throw new Error(`duplicate tenant ${tenant.id}`);
      tenantRows.set(tenant.id, { ...tenant });
    },
    async createFirstTenant(tenant, token) {
      calls.push('createFirstTenant');
      if (tenantRows.size > 0) return false;
      tenantRows.set(tenant.id, { ...tenant });
      tokenRows.set(token.id, { ...token, scopes: [...token.scopes] });
      return true;
    },
    async getTenant(id) {
      calls.push('getTenant');
      return tenantRows.get(id) ?? null;
    },
    async listTenants() {
      calls.push('listTenants');
      return [...tenantRows.values()];
    },
    async updateTenantProfile(id: string, profile: Profile) {
      calls.push('updateTenantProfile');
      const tenant = tenantRows.get(id);
      if (!tenant) return false;
      tenantRows.set(id, { ...tenant, profile });
      changes.notify();
      return true;
    },
    async createToken(token) {
      calls.push('createToken');
      if (tokenRows.has(token.id)) throw new Error(`duplicate token ${token.id}`);
      if ([...tokenRows.values()].some((row) => row.secretHash === token.secretHash)) throw new Error('duplicate secret hash');
      tokenRows.set(token.id, { ...token, scopes: [...token.scopes] });
    },
    async findTokenBySecretHash(secretHash) {
      calls.push('findTokenBySecretHash');
      return [...tokenRows.values()].find((row) => row.secretHash === secretHash) ?? null;
    },
    async listTokens(tenantId) {
      calls.push('listTokens');
      return [...tokenRows.values()].filter((row) => tenantId === undefined || row.tenantId === tenantId);
    },
    async revokeToken(id, at) {
      calls.push('revokeToken');
      const token = tokenRows.get(id);
      if (!token) return false;
      if (token.revoked === undefined) tokenRows.set(id, { ...token, revoked: at });
      changes.notify();
      return true;
    },
    async expireToken(id, expires) {
      calls.push('expireToken');
      const token = tokenRows.get(id);
      if (!token) return false;
      if (token.expires === undefined || token.expires > expires) tokenRows.set(id, { ...token, expires });
      changes.notify();
      return true;
    },
    async touchToken(id, at) {
      calls.push('touchToken');
      const token = tokenRows.get(id);
      if (token && (token.lastUsed === undefined || token.lastUsed < at)) tokenRows.set(id, { ...token, lastUsed: at });
    },
    async deleteTenant(id) {
      calls.push('deleteTenant');
      if (!tenantRows.delete(id)) return null;
      let tokens = 0;
      for (const [tokenId, token] of tokenRows) {
        if (token.tenantId !== id) continue;
        tokenRows.delete(tokenId);
        tokens += 1;
      }
      changes.notify();
      return { removed: { tenants: 1, ...(tokens > 0 ? { tokens } : {}) } };
    },
    onAccessChange: changes.subscribe,
    async close() {
      store.closed = true;
    },
  };
  return store;
}

/** Ids `<prefix>-1`, `<prefix>-2`, … in order. */
export function sequentialIds(prefix = 'id'): { uuid(): string } {
  let next = 0;
  return { uuid: () => `${prefix}-${++next}` };
}

export const NOW = new Date('2025-03-01T12:00:00.000Z');

export function tenantFixture(id: string, name = id, profile: Profile = 'standard'): Tenant {
  return { id, name, profile, created: NOW.toISOString() };
}

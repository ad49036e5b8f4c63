// An in-memory SettingsStore for unit tests: the behaviour the port documents (versions, merges, not_found for an
// unknown tenant), counting calls so that tests can see what a cache asked for.
import { applySettingsChange, type SettingsStore, type TenantSettingsRecord } from '../../../src/store/settings-store';
import { StoreError } from '../../../src/store/store-error';

export interface MemorySettingsStore extends SettingsStore {
  readonly calls: string[];
}

export function createMemorySettingsStore(knownTenant: (tenantId: string) => boolean = () => true): MemorySettingsStore {
  const records = new Map<string, TenantSettingsRecord>();
  const calls: string[] = [];
  return {
    calls,
    async read(tenantId) {
      calls.push('read');
      return records.get(tenantId) ?? { values: {}, version: 0 };
    },
    async version(tenantId) {
      calls.push('version');
      return records.get(tenantId)?.version ?? 0;
    },
    async update(tenantId, change) {
      calls.push('update');
      if (!knownTenant(tenantId)) throw new StoreError('not_found', `Tenant ${tenantId} not found`);
      const current = records.get(tenantId) ?? { values: {}, version: 0 };
      const next = { values: applySettingsChange(current.values, change), version: current.version + 1, updated: change.at };
      records.set(tenantId, next);
      return next;
    },
  };
}

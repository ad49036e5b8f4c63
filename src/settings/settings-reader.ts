// How services read per-tenant settings: a small cache in front of the settings port. An entry younger than
// `maxAgeMs` is used as it is; an older one is checked by reading only the tenant's settings version (one primary-key
// read) and reloaded only when the version moved. So a change made anywhere (another instance, the admin CLI) is seen
// everywhere within `maxAgeMs`, and a tenant whose settings do not change costs one tiny read per interval.
import type { SettingsStore } from '../store/settings-store';
import type { SettingsOf, SettingsTable } from './setting-definition';
import { resolveSettings } from './resolve-settings';
import { TENANT_SETTINGS, type TenantSettingsTable } from './tenant-settings';

export interface SettingsReader<Table extends SettingsTable = TenantSettingsTable> {
  /** Every setting of the tenant, typed, with defaults where it set none. */
  forTenant(tenantId: string): Promise<SettingsOf<Table>>;
  /** Forgets a tenant's entry, so that the next read goes to the store (after a write by this process). */
  invalidate(tenantId: string): void;
}

export interface SettingsReaderDeps<Table extends SettingsTable> {
  readonly store: Pick<SettingsStore, 'read' | 'version'>;
  readonly table?: Table;
  readonly clock?: () => Date;
  /** How long an entry is used without asking the store (default 1000 ms). */
  readonly maxAgeMs?: number;
  /** Most tenants kept (least recently used go first; default 10,000). */
  readonly maxTenants?: number;
  /** Told about a stored value the table no longer accepts (it reads as the default). */
  readonly onInvalid?: (tenantId: string, key: string, problem: string) => void;
}

interface Entry<T> {
  readonly version: number;
  readonly settings: T;
  checkedAt: number;
}

export const DEFAULT_SETTINGS_MAX_AGE_MS = 1000;
const DEFAULT_MAX_TENANTS = 10_000;

export function createSettingsReader<Table extends SettingsTable = TenantSettingsTable>(deps: SettingsReaderDeps<Table>): SettingsReader<Table> {
  const table = (deps.table ?? TENANT_SETTINGS) as Table;
  const clock = deps.clock ?? (() => new Date());
  const maxAgeMs = deps.maxAgeMs ?? DEFAULT_SETTINGS_MAX_AGE_MS;
  const maxTenants = deps.maxTenants ?? DEFAULT_MAX_TENANTS;
  const entries = new Map<string, Entry<SettingsOf<Table>>>();

  const remember = (tenantId: string, entry: Entry<SettingsOf<Table>>) => {
    // Re-inserted so that the Map's order is least recently used first.
    entries.delete(tenantId);
    entries.set(tenantId, entry);
    if (entries.size > maxTenants) entries.delete(entries.keys().next().value as string);
  };

  return {
    async forTenant(tenantId) {
      const now = clock().getTime();
      const cached = entries.get(tenantId);
      if (cached && now - cached.checkedAt < maxAgeMs) {
        remember(tenantId, cached);
        return cached.settings;
      }
      if (cached && (await deps.store.version(tenantId)) === cached.version) {
        cached.checkedAt = now;
        remember(tenantId, cached);
        return cached.settings;
      }
      const record = await deps.store.read(tenantId);
      const settings = resolveSettings(table, record.values, (key, problem) => deps.onInvalid?.(tenantId, key, problem));
      remember(tenantId, { version: record.version, settings, checkedAt: now });
      return settings;
    },

    invalidate(tenantId) {
      entries.delete(tenantId);
    },
  };
}

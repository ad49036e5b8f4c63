// The settings port: per-tenant settings as text values keyed by setting name, with a version that grows by one on
// every change, so that a cache (src/settings/settings-reader.ts) can tell whether what it holds is still current.
// Which keys exist, their defaults and how their text is parsed is not the store's business: the declarative table in
// src/settings/tenant-settings.ts says it, and values are checked against it before they are written.

export interface TenantSettingsRecord {
  /** The values a tenant has set, by key (a key that is not set takes its default from the table). */
  readonly values: Readonly<Record<string, string>>;
  /** 0 while the tenant has never set anything; then +1 with every update. */
  readonly version: number;
  /** ISO 8601 instant of the last update; absent at version 0. */
  readonly updated?: string;
}

export interface SettingsChange {
  /** Keys to set to these values. */
  readonly set?: Readonly<Record<string, string>>;
  /** Keys to remove (back to their defaults). A key both set and unset is set. */
  readonly unset?: readonly string[];
  /** ISO 8601 instant of the change. */
  readonly at: string;
}

export interface SettingsStore {
  /** The tenant's values and version: `{values: {}, version: 0}` when it has set nothing (or does not exist). */
  read(tenantId: string): Promise<TenantSettingsRecord>;
  /** Only the version: the cheap read a cache makes to learn whether it must reload. */
  version(tenantId: string): Promise<number>;
  /**
   * Applies the change in one atomic step and bumps the version by one (also when no value actually changed, so
   * that a write is always visible to caches). Throws StoreError `not_found` when the tenant does not exist.
   */
  update(tenantId: string, change: SettingsChange): Promise<TenantSettingsRecord>;
}

/** The values after a change (pure; both stores use it). */
export function applySettingsChange(values: Readonly<Record<string, string>>, change: SettingsChange): Record<string, string> {
  // Through a Map and Object.fromEntries: a key such as "__proto__" stays an ordinary key.
  const next = new Map(Object.entries(values));
  for (const key of change.unset ?? []) next.delete(key);
  for (const [key, value] of Object.entries(change.set ?? {})) next.set(key, value);
  return Object.fromEntries([...next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

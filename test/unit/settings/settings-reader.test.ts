import { integer } from '../../../src/config/value-parsers';
import { createSettingsReader } from '../../../src/settings/settings-reader';
import type { SettingsTable } from '../../../src/settings/setting-definition';
import { createMemorySettingsStore } from './memory-settings-store';

const table = {
  'a.count': { description: 'a number', default: 1, parse: integer(0, 10) },
} as const satisfies SettingsTable;

function setup(options: { maxAgeMs?: number; maxTenants?: number } = {}) {
  const store = createMemorySettingsStore();
  let now = Date.parse('2025-01-01T00:00:00.000Z');
  const invalid: string[] = [];
  const reader = createSettingsReader({
    store,
    table,
    clock: () => new Date(now),
    maxAgeMs: options.maxAgeMs ?? 1000,
    maxTenants: options.maxTenants,
    onInvalid: (tenantId, key, problem) => invalid.push(`${tenantId} ${key} ${problem}`),
  });
  const advance = (ms: number) => {
    now += ms;
  };
  const at = () => new Date(now).toISOString();
  return { store, reader, advance, at, invalid };
}

describe('the settings reader', () => {
  it('answers defaults for a tenant that set nothing, and the stored value once set', async () => {
    const { store, reader, at } = setup({ maxAgeMs: 0 });
    expect(await reader.forTenant('t1')).toEqual({ 'a.count': 1 });
    await store.update('t1', { set: { 'a.count': '4' }, at: at() });
    expect(await reader.forTenant('t1')).toEqual({ 'a.count': 4 });
  });

  it('serves a fresh entry without asking the store, then checks only the version', async () => {
    const { store, reader, advance, at } = setup();
    await store.update('t1', { set: { 'a.count': '2' }, at: at() });
    store.calls.length = 0;

    expect(await reader.forTenant('t1')).toEqual({ 'a.count': 2 });
    expect(store.calls).toEqual(['read']);
    advance(999);
    await reader.forTenant('t1');
    expect(store.calls).toEqual(['read']);

    // Older than maxAgeMs: one version read, no reload while the version is unchanged.
    advance(1);
    expect(await reader.forTenant('t1')).toEqual({ 'a.count': 2 });
    expect(store.calls).toEqual(['read', 'version']);
    await reader.forTenant('t1');
    expect(store.calls).toEqual(['read', 'version']);
  });

  it('reloads when the version moved (a change made elsewhere), within maxAgeMs', async () => {
    const { store, reader, advance, at } = setup();
    expect(await reader.forTenant('t1')).toEqual({ 'a.count': 1 });
    await store.update('t1', { set: { 'a.count': '9' }, at: at() });
    // Still within maxAgeMs: the cached value.
    expect(await reader.forTenant('t1')).toEqual({ 'a.count': 1 });
    advance(1000);
    store.calls.length = 0;
    expect(await reader.forTenant('t1')).toEqual({ 'a.count': 9 });
    expect(store.calls).toEqual(['version', 'read']);
  });

  it('goes to the store after invalidate()', async () => {
    const { store, reader, at } = setup();
    await reader.forTenant('t1');
    await store.update('t1', { set: { 'a.count': '3' }, at: at() });
    reader.invalidate('t1');
    expect(await reader.forTenant('t1')).toEqual({ 'a.count': 3 });
  });

  it('keeps tenants apart and bounds the number cached', async () => {
    const { store, reader, at } = setup({ maxTenants: 2 });
    await store.update('t1', { set: { 'a.count': '5' }, at: at() });
    expect(await reader.forTenant('t1')).toEqual({ 'a.count': 5 });
    expect(await reader.forTenant('t2')).toEqual({ 'a.count': 1 });
    await reader.forTenant('t3');
    store.calls.length = 0;
    // t1 was the least recently used and was dropped: it is read again; t3 is still cached.
    await reader.forTenant('t3');
    await reader.forTenant('t1');
    expect(store.calls).toEqual(['read']);
  });

  it('reads a stored value the table refuses as the default and reports it', async () => {
    const { store, reader, at, invalid } = setup();
    await store.update('t1', { set: { 'a.count': '11' }, at: at() });
    expect(await reader.forTenant('t1')).toEqual({ 'a.count': 1 });
    expect(invalid).toEqual(['t1 a.count must be between 0 and 10, got 11']);
  });
});

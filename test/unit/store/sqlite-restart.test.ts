// The store file outlives the process: write, close, reopen the same file, read back. Also: what happens at open when
// the registry changed since the file was written (derived data is rebuilt, or the open fails with a clear reason).
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { MIGRATIONS } from '../../../src/store/sqlite/migrations';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import { filterBuilder } from '../../contract/filter-builder';
import { registryWith } from '../../helpers/changed-registry';

const registry = loadBuiltinRegistry();
const users = filterBuilder(registry, 'User');
const T0 = '2024-01-01T00:00:00.000Z';

describe('sqlite store across restarts', () => {
  let directory: string;
  let file: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'scim-sqlite-restart-'));
    file = join(directory, 'data', 'scim.db');
  });
  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('reads back resources, versions, tenants and tokens written before a close', async () => {
    const first = createSqliteStore({ path: file, registry });
    await first.tenants.createTenant({ id: 't1', name: 'Acme', profile: 'entra', created: T0 });
    await first.tenants.createToken({ id: 'k1', tenantId: 't1', label: 'idp', scopes: ['scim:read'], secretHash: 'h1', created: T0 });
    await first.resources.create('t1', { resourceType: 'User', id: 'u-1', created: T0, attributes: { userName: 'Alice', emails: [{ value: 'a@example.com' }] }, internal: { passwordHash: 'x' } });
    const replaced = await first.resources.replace('t1', 'User', 'u-1', { lastModified: '2024-02-01T00:00:00.000Z', attributes: { userName: 'Alice', title: 'CEO' }, internal: { passwordHash: 'y' } });
    await first.close();

    const second = createSqliteStore({ path: file, registry });
    try {
      expect(await second.resources.get('t1', 'User', 'u-1')).toEqual(replaced);
      expect(await second.tenants.getTenant('t1')).toEqual({ id: 't1', name: 'Acme', profile: 'entra', created: T0 });
      expect(await second.tenants.findTokenBySecretHash('h1')).toMatchObject({ id: 'k1', tenantId: 't1', scopes: ['scim:read'] });
      // Indexes and versions carry on from where they were.
      await expect(second.resources.create('t1', { resourceType: 'User', id: 'u-2', created: T0, attributes: { userName: 'ALICE' }, internal: {} })).rejects.toMatchObject({
        code: 'conflict',
        attribute: 'userName',
      });
      const listed = await second.resources.list('t1', { resourceType: 'User', filter: users.eq('title', 'ceo'), page: { kind: 'index', startIndex: 1, count: 10 } });
      expect(listed.resources.map((row) => row.id)).toEqual(['u-1']);
      expect((await second.resources.replace('t1', 'User', 'u-1', { lastModified: T0, attributes: { userName: 'Alice' }, internal: {} }, 2)).version).toBe(3);
    } finally {
      await second.close();
    }
  });

  it('keeps the file in WAL mode with the schema version recorded', async () => {
    const store = createSqliteStore({ path: file, registry });
    await store.close();
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    } finally {
      raw.close();
    }
  });

  it('rebuilds the derived data when an attribute becomes unique, and enforces it from then on', async () => {
    const first = createSqliteStore({ path: file, registry });
    await first.resources.create('t1', { resourceType: 'User', id: 'u-1', created: T0, attributes: { userName: 'a', nickName: 'Ace' }, internal: {} });
    await first.resources.create('t1', { resourceType: 'User', id: 'u-2', created: T0, attributes: { userName: 'b', nickName: 'Bee' }, internal: {} });
    await first.close();

    const second = createSqliteStore({ path: file, registry: registryWith({ nickName: { uniqueness: 'server' } }) });
    try {
      await expect(second.resources.create('t1', { resourceType: 'User', id: 'u-3', created: T0, attributes: { userName: 'c', nickName: 'ACE' }, internal: {} })).rejects.toMatchObject({
        code: 'conflict',
        attribute: 'nickName',
      });
    } finally {
      await second.close();
    }
  });

  it('refolds stored values when an attribute becomes case-exact', async () => {
    const first = createSqliteStore({ path: file, registry });
    await first.resources.create('t1', { resourceType: 'User', id: 'u-1', created: T0, attributes: { userName: 'a', title: 'Engineer' }, internal: {} });
    await first.close();

    const exact = registryWith({ title: { caseExact: true } });
    const exactUsers = filterBuilder(exact, 'User');
    const second = createSqliteStore({ path: file, registry: exact });
    try {
      const count = async (value: string) =>
        (await second.resources.list('t1', { resourceType: 'User', filter: exactUsers.eq('title', value), page: { kind: 'index', startIndex: 1, count: 10 } })).totalResults;
      expect(await count('engineer')).toBe(0);
      expect(await count('Engineer')).toBe(1);
    } finally {
      await second.close();
    }
  });

  it('refuses to open when existing data breaks a newly declared uniqueness, saying which attribute', async () => {
    const first = createSqliteStore({ path: file, registry });
    await first.resources.create('t1', { resourceType: 'User', id: 'u-1', created: T0, attributes: { userName: 'a', nickName: 'Same' }, internal: {} });
    await first.resources.create('t1', { resourceType: 'User', id: 'u-2', created: T0, attributes: { userName: 'b', nickName: 'SAME' }, internal: {} });
    await first.close();

    expect(() => createSqliteStore({ path: file, registry: registryWith({ nickName: { uniqueness: 'server' } }) })).toThrow(/uniqueness of User\.nickName in tenant t1/);
    // The failed open changed nothing: the old registry still opens the file with both users.
    const again = createSqliteStore({ path: file, registry });
    try {
      const all = await again.resources.list('t1', { resourceType: 'User', filter: users.eq('nickName', 'same'), page: { kind: 'index', startIndex: 1, count: 10 } });
      expect(all.totalResults).toBe(2);
    } finally {
      await again.close();
    }
  });
});

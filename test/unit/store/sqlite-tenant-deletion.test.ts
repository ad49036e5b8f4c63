// Tenant deletion on the embedded store in small batches, through a second connection as the admin CLI has one.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { configureConnection, createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import { deleteSqliteTenant, tenantTables } from '../../../src/store/sqlite/sqlite-tenant-deletion';

const registry = loadBuiltinRegistry();
const T0 = '2024-01-01T00:00:00.000Z';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'scim-tenant-deletion-'));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

it('finds every table with a tenant_id column, tokens first', () => {
  const file = join(directory, 'scim.db');
  createSqliteStore({ path: file, registry }).close();
  const db = new Database(file);
  try {
    const names = tenantTables(db).map((table) => table.name);
    expect(names[0]).toBe('tokens');
    expect(names).toEqual(expect.arrayContaining(['resources', 'resource_values', 'memberships', 'resource_counts']));
  } finally {
    db.close();
  }
});

it('deletes in batches while another connection holds the store open, and counts what it removed', async () => {
  const file = join(directory, 'scim.db');
  const server = createSqliteStore({ path: file, registry });
  try {
    await server.tenants.createTenant({ id: 'a', name: 'a', profile: 'standard', created: T0 });
    for (let i = 0; i < 7; i++) {
      await server.resources.create('a', { resourceType: 'User', id: `u${i}`, created: T0, attributes: { userName: `user${i}` }, internal: {} });
    }
    const db = new Database(file);
    configureConnection(db);
    try {
      const deletion = deleteSqliteTenant(db, 'a', 2);
      expect(deletion?.removed).toMatchObject({ resources: 7, tenants: 1 });
      expect(deleteSqliteTenant(db, 'a', 2)).toBeNull();
    } finally {
      db.close();
    }
    // The server's connection sees the result at once; the list count is 0 again.
    expect((await server.resources.list('a', { resourceType: 'User', page: { kind: 'index', startIndex: 1, count: 10 } })).totalResults).toBe(0);
    expect(await server.tenants.getTenant('a')).toBeNull();
  } finally {
    await server.close();
  }
});

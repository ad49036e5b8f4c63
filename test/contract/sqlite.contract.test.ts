// The store contract on the embedded SQLite store: once in memory, once on a file in WAL mode.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { tenantTables } from '../../src/store/sqlite/sqlite-tenant-deletion';
import { describeMembershipStoreContract } from './membership-store.contract';
import { describeStoreContract } from './resource-store.contract';

const registry = loadBuiltinRegistry();

describeStoreContract('sqlite :memory:', async () => {
  const store = createSqliteStore({ path: ':memory:', registry });
  return { store, cleanup: () => store.close() };
});

describeStoreContract('sqlite file', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'scim-sqlite-contract-'));
  // A directory that does not exist yet: the store creates it.
  const path = join(directory, 'nested', 'scim.db');
  const store = createSqliteStore({ path, registry });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
    // A second connection reads every table that has a tenant_id column (and the tenants table itself).
    async remainingOf(tenantId) {
      const db = new Database(path, { readonly: true });
      try {
        const remaining: Record<string, number> = {};
        for (const { name } of tenantTables(db)) {
          const { n } = db.prepare(`SELECT count(*) AS n FROM "${name}" WHERE tenant_id = ?`).get(tenantId) as { n: number };
          if (n > 0) remaining[name] = n;
        }
        const { n } = db.prepare('SELECT count(*) AS n FROM tenants WHERE id = ?').get(tenantId) as { n: number };
        if (n > 0) remaining.tenants = n;
        return remaining;
      } finally {
        db.close();
      }
    },
  };
});

describeMembershipStoreContract('sqlite :memory:', async () => {
  const store = createSqliteStore({ path: ':memory:', registry });
  return { store, cleanup: () => store.close() };
});

describeMembershipStoreContract('sqlite file', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'scim-sqlite-membership-'));
  const store = createSqliteStore({ path: join(directory, 'scim.db'), registry });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});

// The store contracts on the embedded SQLite store: once in memory, once on a file in WAL mode.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import Database from 'better-sqlite3';
import { configureConnection, createSqliteStore, sqliteStoreOn } from '../../src/store/sqlite/sqlite-store';
import { blobDirectoryOf } from '../../src/store/sqlite/sqlite-blob-store';
import { tenantTables } from '../../src/store/sqlite/sqlite-tenant-deletion';
import { describeMembershipCrashContract } from './membership-crash.contract';
import { describeMembershipRaceContract } from './membership-race.contract';
import { describeMembershipStoreContract } from './membership-store.contract';
import { describeStoreContract, type StoreUnderTest } from './resource-store.contract';
import { describeBlobStoreContract } from './blob-store.contract';
import { describeJobStoreContract } from './job-store.contract';
import { describeOutboxStoreContract } from './outbox-store.contract';
import { describeAuditEventStoreContract } from './audit-event-store.contract';
import { describeWriteEffectsContract } from './write-effects.contract';
import { describeSettingsStoreContract } from './settings-store.contract';
import { describeIdempotencyStoreContract } from './idempotency-store.contract';
import { describeRateLimitStoreContract } from './rate-limit-store.contract';
import { describeRolesContract } from './roles.contract';
import { describeSignInStoreContract } from './sign-in-store.contract';
import { describeInvitationStoreContract } from './invitation-store.contract';

const registry = loadBuiltinRegistry();

/** The store on a connection of our own, so that the rows it writes can be counted beside it (total_changes()). */
function counted(db: Database.Database): Pick<StoreUnderTest, 'store' | 'rowsWritten'> {
  configureConnection(db);
  const store = sqliteStoreOn(db, { registry, blobDirectory: db.memory ? undefined : blobDirectoryOf(db.name) });
  const totalChanges = db.prepare('SELECT total_changes() AS rows');
  return { store, rowsWritten: async () => (totalChanges.get() as { rows: number }).rows };
}

const inMemory = async (): Promise<StoreUnderTest> => {
  const opened = counted(new Database(':memory:'));
  return { ...opened, cleanup: () => opened.store.close() };
};

/**
 * A store on a file of its own; `nested` puts it in a directory that does not exist yet, which createSqliteStore
 * creates. Otherwise the store is on a connection of our own whose writes are counted.
 */
const onFile = (nested: boolean) => async (): Promise<StoreUnderTest> => {
  const directory = mkdtempSync(join(tmpdir(), 'scim-sqlite-contract-'));
  const path = nested ? join(directory, 'nested', 'scim.db') : join(directory, 'scim.db');
  const opened = nested ? { store: createSqliteStore({ path, registry }) } : counted(new Database(path));
  const { store } = opened;
  return {
    ...opened,
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
        // Blob content lives in files beside the database: a file no row names is content left behind.
        const directory = blobDirectoryOf(resolve(path));
        const named = new Set((db.prepare('SELECT file FROM blobs').all() as { file: string }[]).map((row) => row.file));
        const orphans = existsSync(directory) ? readdirSync(directory).filter((file) => !named.has(file)).length : 0;
        if (orphans > 0) remaining['blob files without a row'] = orphans;
        return remaining;
      } finally {
        db.close();
      }
    },
  };
};

describeStoreContract('sqlite :memory:', inMemory);
describeStoreContract('sqlite file', onFile(true));
describeMembershipStoreContract('sqlite :memory:', inMemory);
describeMembershipStoreContract('sqlite file', onFile(false));
describeSettingsStoreContract('sqlite :memory:', inMemory);
describeSignInStoreContract('sqlite :memory:', inMemory);
describeSettingsStoreContract('sqlite file', onFile(false));
describeSignInStoreContract('sqlite file', onFile(false));
describeInvitationStoreContract('sqlite :memory:', inMemory);
describeInvitationStoreContract('sqlite file', onFile(false));
describeJobStoreContract('sqlite :memory:', inMemory);
describeJobStoreContract('sqlite file', onFile(false));
describeOutboxStoreContract('sqlite :memory:', inMemory);
describeAuditEventStoreContract('sqlite :memory:', inMemory);
describeWriteEffectsContract('sqlite :memory:', inMemory);
describeOutboxStoreContract('sqlite file', onFile(false));
describeAuditEventStoreContract('sqlite file', onFile(false));
describeWriteEffectsContract('sqlite file', onFile(false));
describeBlobStoreContract('sqlite :memory:', inMemory);
describeRateLimitStoreContract('sqlite :memory:', inMemory);
describeIdempotencyStoreContract('sqlite :memory:', inMemory);
describeBlobStoreContract('sqlite file', onFile(false));
describeRateLimitStoreContract('sqlite file', onFile(false));
describeIdempotencyStoreContract('sqlite file', onFile(false));
describeRolesContract('sqlite :memory:', inMemory);
describeRolesContract('sqlite file', onFile(false));
describeMembershipCrashContract('sqlite :memory:', async () => ({ store: createSqliteStore({ path: ':memory:', registry }) }));
describeMembershipRaceContract('sqlite :memory:', async () => ({ store: createSqliteStore({ path: ':memory:', registry }) }));

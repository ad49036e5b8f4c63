// Deleting a tenant from the embedded store: every row of every table that has a `tenant_id` column, then the tenant.
//
// The tables are found in the schema, not listed here, so a table a later migration adds for tenant-scoped data is
// covered without touching this file (test/contract checks that nothing of a deleted tenant remains in any table).
// Rows go in batches, each its own short write transaction, so that a server using the same file keeps writing
// between them instead of waiting for one transaction over a whole directory. Order, for a resumable deletion:
// tokens first (the tenant stops being reachable), then the other tables, the tenant row last; a run that was
// interrupted leaves the tenant row in place, so running it again finishes the job.
import type Database from 'better-sqlite3';
import type { TenantDeletion } from '../tenant-store';
import { translateErrors } from './sqlite-errors';

export const DELETE_BATCH_ROWS = 5000;

interface TenantTable {
  readonly name: string;
  /** Columns that name one row: the primary key of a WITHOUT ROWID table, else the rowid. */
  readonly key: readonly string[];
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Every table with a tenant_id column, tokens first. */
export function tenantTables(db: Database.Database): TenantTable[] {
  const names = (
    db
      .prepare(
        `SELECT m.name AS name FROM sqlite_master m, pragma_table_info(m.name) c
         WHERE m.type = 'table' AND c.name = 'tenant_id' ORDER BY m.name`,
      )
      .all() as { name: string }[]
  ).map((row) => row.name);
  const tables = names.map((name) => {
    const withoutRowid = /WITHOUT\s+ROWID/i.test((db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) as { sql: string }).sql);
    const primaryKey = (db.prepare('SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk').all(name) as { name: string }[]).map((column) => column.name);
    return { name, key: withoutRowid ? primaryKey : ['rowid'] };
  });
  return [...tables.filter((table) => table.name === 'tokens'), ...tables.filter((table) => table.name !== 'tokens')];
}

export function deleteSqliteTenant(db: Database.Database, tenantId: string, batchRows = DELETE_BATCH_ROWS): TenantDeletion | null {
  return translateErrors(
    () => db.open,
    () => {
      if (!db.prepare('SELECT 1 FROM tenants WHERE id = ?').get(tenantId)) return null;
      const tables = tenantTables(db);
      const removed: Record<string, number> = {};
      const sweep = () => {
        for (const table of tables) {
          const key = table.key.map(quote).join(', ');
          const batch = db.prepare(
            `DELETE FROM ${quote(table.name)} WHERE (${key}) IN (SELECT ${key} FROM ${quote(table.name)} WHERE tenant_id = ? LIMIT ?)`,
          );
          for (;;) {
            const { changes } = db.transaction(() => batch.run(tenantId, batchRows)).immediate();
            if (changes > 0) removed[table.name] = (removed[table.name] ?? 0) + changes;
            if (changes < batchRows) break;
          }
        }
      };
      sweep();
      removed.tenants = db.prepare('DELETE FROM tenants WHERE id = ?').run(tenantId).changes;
      // A request authenticated before the tokens went may have written since; one more pass takes that too.
      sweep();
      return { removed };
    },
  );
}

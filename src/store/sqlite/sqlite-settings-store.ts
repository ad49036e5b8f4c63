// SettingsStore on SQLite: one row per tenant (tenant_settings, migration 4). An update reads, merges and writes the
// row inside one write transaction, so concurrent updates (the server and the admin CLI are separate processes)
// never lose each other's keys.
import type Database from 'better-sqlite3';
import { applySettingsChange, type SettingsStore, type TenantSettingsRecord } from '../settings-store';
import { StoreError } from '../store-error';
import { sqliteCode, translateErrors } from './sqlite-errors';
import type { StatementCache } from './statement-cache';

interface SettingsRow {
  readonly vals: string;
  readonly version: number;
  readonly updated: string;
}

const EMPTY: TenantSettingsRecord = { values: {}, version: 0 };

export function createSqliteSettingsStore(deps: { db: Database.Database; statements: StatementCache }): SettingsStore {
  const { db, statements } = deps;
  const run = <T>(call: () => T): T => translateErrors(() => db.open, call);
  const readRow = (tenantId: string) => statements.get('SELECT vals, version, updated FROM tenant_settings WHERE tenant_id = ?').get(tenantId) as SettingsRow | undefined;

  return {
    async read(tenantId) {
      return run(() => {
        const row = readRow(tenantId);
        return row ? toRecord(row) : EMPTY;
      });
    },

    async version(tenantId) {
      return run(() => (statements.get('SELECT version FROM tenant_settings WHERE tenant_id = ?').get(tenantId) as { version: number } | undefined)?.version ?? 0);
    },

    async update(tenantId, change) {
      return run(() =>
        db
          .transaction((): TenantSettingsRecord => {
            const row = readRow(tenantId);
            const values = applySettingsChange(row ? (JSON.parse(row.vals) as Record<string, string>) : {}, change);
            const version = (row?.version ?? 0) + 1;
            try {
              statements
                .get(
                  `INSERT INTO tenant_settings (tenant_id, vals, version, updated) VALUES (?, ?, ?, ?)
                   ON CONFLICT (tenant_id) DO UPDATE SET vals = excluded.vals, version = excluded.version, updated = excluded.updated`,
                )
                .run(tenantId, JSON.stringify(values), version, change.at);
            } catch (error) {
              if (sqliteCode(error) === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new StoreError('not_found', `Tenant ${tenantId} not found`, { cause: error });
              throw error;
            }
            return { values, version, updated: change.at };
          })
          .immediate(),
      );
    },
  };
}

function toRecord(row: SettingsRow): TenantSettingsRecord {
  return { values: JSON.parse(row.vals) as Record<string, string>, version: row.version, updated: row.updated };
}

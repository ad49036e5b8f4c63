// SignInStore on SQLite: table sign_ins (migration 12). A user's page is one range of the primary key
// (tenant_id, user_id, time, id) read backwards; the retention sweep deletes by sign_ins_by_time in bounded batches,
// each its own short statement.
import type Database from 'better-sqlite3';
import type { SignInEntry, SignInStore } from '../sign-in-store';
import { translateErrors } from './sqlite-errors';
import type { StatementCache } from './statement-cache';

interface SignInRow {
  readonly tenant_id: string;
  readonly user_id: string;
  readonly time: string;
  readonly id: string;
  readonly outcome: string;
  readonly reason: string | null;
  readonly client_address: string | null;
}

const COLUMNS = 'tenant_id, user_id, time, id, outcome, reason, client_address';

/** The statements (exported for the query-plan test). */
export const SIGN_IN_SQL = {
  insert: `INSERT INTO sign_ins (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  first: `SELECT ${COLUMNS} FROM sign_ins WHERE tenant_id = ? AND user_id = ? ORDER BY time DESC, id DESC LIMIT ?`,
  after: `SELECT ${COLUMNS} FROM sign_ins WHERE tenant_id = ? AND user_id = ? AND (time, id) < (?, ?) ORDER BY time DESC, id DESC LIMIT ?`,
  count: 'SELECT count(*) AS n FROM sign_ins WHERE tenant_id = ? AND user_id = ?',
  purge: `DELETE FROM sign_ins WHERE (tenant_id, user_id, time, id) IN
            (SELECT tenant_id, user_id, time, id FROM sign_ins WHERE tenant_id = ? AND time < ? LIMIT ?)`,
  deleteForUser: 'DELETE FROM sign_ins WHERE tenant_id = ? AND user_id = ?',
} as const;

export function createSqliteSignInStore(deps: { db: Database.Database; statements: StatementCache }): SignInStore {
  const { db, statements } = deps;
  const run = <T>(call: () => T): T => translateErrors(() => db.open, call);

  return {
    async append(entry) {
      run(() =>
        statements
          .get(SIGN_IN_SQL.insert)
          .run(entry.tenantId, entry.userId, entry.time, entry.id, entry.outcome, entry.reason ?? null, entry.clientAddress ?? null),
      );
    },

    async list(tenantId, userId, { after, limit }) {
      const wanted = Math.max(0, Math.trunc(limit));
      return run(() => {
        // One row more than asked: its presence says another page follows.
        const rows = (
          after === undefined
            ? statements.get(SIGN_IN_SQL.first).all(tenantId, userId, wanted + 1)
            : statements.get(SIGN_IN_SQL.after).all(tenantId, userId, after.time, after.id, wanted + 1)
        ) as SignInRow[];
        const entries = rows.slice(0, wanted).map(toEntry);
        const last = entries[entries.length - 1];
        return rows.length > wanted && last ? { entries, next: { time: last.time, id: last.id } } : { entries };
      });
    },

    async count(tenantId, userId) {
      return run(() => (statements.get(SIGN_IN_SQL.count).get(tenantId, userId) as { n: number }).n);
    },

    async purgeBefore(tenantId, before, limit) {
      return run(() => statements.get(SIGN_IN_SQL.purge).run(tenantId, before, Math.max(0, Math.trunc(limit))).changes);
    },

    async deleteForUser(tenantId, userId) {
      return run(() => statements.get(SIGN_IN_SQL.deleteForUser).run(tenantId, userId).changes);
    },
  };
}

function toEntry(row: SignInRow): SignInEntry {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    time: row.time,
    outcome: row.outcome,
    ...(row.reason !== null ? { reason: row.reason } : {}),
    ...(row.client_address !== null ? { clientAddress: row.client_address } : {}),
  };
}

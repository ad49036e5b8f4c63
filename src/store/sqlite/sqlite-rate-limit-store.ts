// RateLimitStore on SQLite (table `rate_counters`, migration 10). All hits of one call are upserts in ONE savepoint of
// the connection's next group transaction (group-commit.ts), each returning its counter's new total: a batch from the
// rate limiter (every counter it touched since its last flush) shares the COMMIT and the fsync of the resource writes
// of the same turn instead of costing one of its own.
import type Database from 'better-sqlite3';
import type { RateLimitStore } from '../rate-limit-store';
import { batchedWrite, type GroupCommit } from './group-commit';
import { translateErrors } from './sqlite-errors';
import type { StatementCache } from './statement-cache';

export function createSqliteRateLimitStore(deps: { db: Database.Database; statements: StatementCache; commits: GroupCommit }): RateLimitStore {
  const { db, statements, commits } = deps;
  const run = <T>(call: () => T): T => translateErrors(() => db.open, call);

  return {
    async add(hits) {
      if (hits.length === 0) return [];
      return batchedWrite(db, commits, () => {
        const upsert = statements.get(
          `INSERT INTO rate_counters (key, window, count, expires) VALUES (?, ?, ?, ?)
           ON CONFLICT (key, window) DO UPDATE SET count = count + excluded.count, expires = max(expires, excluded.expires)
           RETURNING count`,
        );
        return hits.map((hit) => (upsert.get(hit.key, hit.window, hit.points, hit.expires) as { count: number }).count);
      });
    },

    async purgeExpired(now, limit) {
      return run(
        () =>
          statements
            .get('DELETE FROM rate_counters WHERE (key, window) IN (SELECT key, window FROM rate_counters WHERE expires <= ? LIMIT ?)')
            .run(now, limit).changes,
      );
    },
  };
}

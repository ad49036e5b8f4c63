// Prepared statements keyed by their SQL text. Filters bind every value as a parameter, so the text depends only on
// the filter's shape and repeats across requests; preparing it once saves the parse and plan on every list call.
// The cache is bounded (least recently used goes first) because filter shapes come from clients.
import type Database from 'better-sqlite3';

const DEFAULT_CAPACITY = 256;

export interface StatementCache {
  get(sql: string): Database.Statement;
  readonly size: number;
}

export function createStatementCache(db: Database.Database, capacity = DEFAULT_CAPACITY): StatementCache {
  const statements = new Map<string, Database.Statement>();
  return {
    get(sql) {
      const cached = statements.get(sql);
      if (cached) {
        // Re-insert to mark it most recently used (a Map iterates in insertion order).
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = db.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > capacity) statements.delete(statements.keys().next().value as string);
      return statement;
    },
    get size() {
      return statements.size;
    },
  };
}

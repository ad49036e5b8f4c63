// AuditEventStore on SQLite (table `audit_events`, migrations 15 and 20; staged events of writes, migration 21). Filters compile to SQL over the indexed
// columns with every value bound as a parameter; pages are keyset ranges newest first.
import type Database from 'better-sqlite3';
import { AuditOutcome, type AuditComparison, type AuditEventRecord, type AuditEventStore, type AuditFilter, type AuditFilterField, type AuditPosition } from '../audit-event-store';
import { auditResourceKey } from './audit-resource-key';
import { batchedWrite, type GroupCommit } from './group-commit';
import { translateErrors } from './sqlite-errors';
import type { StatementCache } from './statement-cache';

const COLUMN: Readonly<Record<AuditFilterField, string>> = {
  type: 'type',
  outcome: 'outcome',
  time: 'time',
  'actor.tokenId': 'actor_token_id',
  'resource.id': 'resource_id',
};

interface Sql {
  readonly sql: string;
  readonly params: unknown[];
}

/**
 * A filter as a SQL condition, every value a bound parameter. Outside a NOT, plain comparisons: a comparison with a
 * NULL column (an event without a token or resource id) is NULL there, which excludes the row exactly as false would,
 * and plain terms let the planner pick the index of an equality (resource.id eq … reads a handful of rows, not the
 * tenant's trail). Under a NOT, each comparison is made two-valued first, so that `not (resource.id eq "x")` keeps
 * the events without a resource id, as `ne` does.
 */
export function auditFilterToSql(filter: AuditFilter, negated = false): Sql {
  switch (filter.kind) {
    case 'and':
    case 'or': {
      const parts = filter.filters.map((part) => auditFilterToSql(part, negated));
      return { sql: `(${parts.map((part) => part.sql).join(filter.kind === 'and' ? ' AND ' : ' OR ')})`, params: parts.flatMap((part) => part.params) };
    }
    case 'not': {
      const inner = auditFilterToSql(filter.filter, !negated);
      return { sql: `(NOT ${inner.sql})`, params: inner.params };
    }
    case 'present':
      return { sql: `(${COLUMN[filter.field]} IS NOT NULL)`, params: [] };
    case 'compare': {
      if (filter.op === 'ne') return auditFilterToSql({ kind: 'not', filter: { ...filter, op: 'eq' } }, negated);
      const column = COLUMN[filter.field];
      const { sql, params } = indexed(filter.field, filter.op, filter.value, comparison(column, filter.op, filter.value));
      return negated ? { sql: `(${column} IS NOT NULL AND ${sql})`, params } : { sql, params };
    }
  }
}

function comparison(column: string, op: AuditComparison, value: string): Sql {
  switch (op) {
    case 'eq':
    case 'ne':
      return { sql: `${column} = ?`, params: [value] };
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le':
      // Text compared with the BINARY collation: UTF-8 byte order, which is code point order.
      return { sql: `${column} ${{ gt: '>', ge: '>=', lt: '<', le: '<=' }[op]} ?`, params: [value] };
    case 'sw':
      // The lower bound lets an index range start at the prefix; the substr test is the exact check.
      return { sql: `(${column} >= ? AND substr(${column}, 1, length(?)) = ?)`, params: [value, value, value] };
    case 'ew':
      return { sql: `(length(?) = 0 OR substr(${column}, -length(?)) = ?)`, params: [value, value, value] };
    case 'co':
      return { sql: `instr(${column}, ?) > 0`, params: [value] };
  }
}

/** Every outcome an event can have: a type condition names them all, so that it reads the outcome-and-type index. */
const ALL_OUTCOMES = `outcome IN (${Object.values(AuditOutcome)
  .map((outcome) => `'${outcome}'`)
  .join(', ')})`;

/**
 * A comparison in the terms of the indexes of migration 20, with the same result: `resource.id eq` looks up the id's
 * key and compares the id itself (two ids may share a key); a type condition comes under every outcome, the first
 * column of the index it reads after the tenant.
 */
function indexed(field: AuditFilterField, op: AuditComparison, value: string, plain: Sql): Sql {
  if (field === 'resource.id' && op === 'eq') return { sql: '(resource_key = ? AND resource_id = ?)', params: [auditResourceKey(value), value] };
  if (field === 'type') return { sql: `(${ALL_OUTCOMES} AND ${plain.sql})`, params: plain.params };
  return plain;
}

/** The top-level conjuncts of a filter (the filter itself when it is not an `and`). */
function conjuncts(filter: AuditFilter): AuditFilter[] {
  return filter.kind === 'and' ? filter.filters.flatMap(conjuncts) : [filter];
}

/**
 * The index a page and its count must read, when the filter pins a resource, a token, a type or an outcome: without
 * statistics the planner would rather walk the tenant's trail newest first (no sort) than read the few events of one
 * resource, or of one type, and sort them. Otherwise the planner's own choice (the time index).
 */
export function indexFor(filter: AuditFilter | undefined): string | undefined {
  if (!filter) return undefined;
  const pinned = (field: AuditFilterField) => conjuncts(filter).some((part) => part.kind === 'compare' && part.field === field && part.op === 'eq');
  if (pinned('resource.id')) return 'audit_events_by_resource_key';
  if (pinned('actor.tokenId')) return 'audit_events_by_token';
  const narrowed = (field: AuditFilterField) => conjuncts(filter).some((part) => part.kind === 'compare' && part.field === field && (part.op === 'eq' || part.op === 'sw'));
  if (narrowed('type') || narrowed('outcome')) return 'audit_events_by_outcome_type';
  return undefined;
}

/** Rows per INSERT statement of an append, largest first; the last must be 1. 2: a write's START and SUCCESS. */
const INSERT_ROWS = [100, 10, 2, 1] as const;

/** The columns of an event in both tables, in insert order (rowsOf). */
const COLUMNS = 'id, tenant_id, time, type, outcome, actor_token_id, resource_id, resource_key, data';

function insertSql(table: 'audit_events' | 'audit_staged', rows: number): string {
  const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
  // Only audit_events knows the ids: a staged event is checked against them when it moves.
  return `INSERT INTO ${table} (${COLUMNS}) VALUES ${values}${table === 'audit_events' ? ' ON CONFLICT (id) DO NOTHING' : ''}`;
}

const INSERT_SQL: ReadonlyMap<number, string> = new Map(INSERT_ROWS.map((rows) => [rows, insertSql('audit_events', rows)]));
const STAGE_SQL: ReadonlyMap<number, string> = new Map(INSERT_ROWS.map((rows) => [rows, insertSql('audit_staged', rows)]));

/** The columns of each event, in insert order; an operation's START and outcome are neighbours with one resource id. */
function rowsOf(events: readonly AuditEventRecord[]): unknown[] {
  const values: unknown[] = [];
  let lastId: string | undefined;
  let lastKey = 0;
  for (const event of events) {
    const resourceId = event.resource?.id;
    if (resourceId !== undefined && resourceId !== lastId) {
      lastId = resourceId;
      lastKey = auditResourceKey(resourceId);
    }
    values.push(event.id, event.tenantId, event.time, event.type, event.outcome, event.actor.tokenId, resourceId ?? null, resourceId === undefined ? null : lastKey, JSON.stringify(event));
  }
  return values;
}

/**
 * Multi-row statements of a few fixed sizes: a batch of 500 is five statements, not 500, a write's two events one, and
 * the statement cache holds four shapes whatever the sizes. Returns the rows inserted.
 */
function insertRows(statements: StatementCache, sqlOf: ReadonlyMap<number, string>, events: readonly AuditEventRecord[]): number {
  let added = 0;
  let from = 0;
  for (const rows of INSERT_ROWS) {
    if (events.length - from < rows) continue;
    const insert = statements.get(sqlOf.get(rows) as string);
    for (; events.length - from >= rows; from += rows) added += insert.run(rowsOf(events.slice(from, from + rows))).changes;
  }
  return added;
}

/** Stores the events whose id is new and returns how many; must run inside a write transaction. */
function insertAuditEvents(statements: StatementCache, events: readonly AuditEventRecord[]): number {
  return insertRows(statements, INSERT_SQL, events);
}

/**
 * Stages the events of a write in that write's transaction (a resource write whose events need no outbox:
 * sqlite-outbox-store.ts): they are durable exactly when the write is, and cost its commit one page of a table
 * without indexes instead of a page of audit_events and of each of its indexes (migration 21). The audit store moves
 * them into audit_events (moveStagedAuditEvents) before it reads and about once a second. Returns how many.
 */
export function stageAuditEvents(statements: StatementCache, events: readonly AuditEventRecord[]): number {
  return insertRows(statements, STAGE_SQL, events);
}

/**
 * Moves every staged event into audit_events (an id already there is not stored twice, as with an append); must run
 * inside a write transaction. Returns how many were staged.
 */
export function moveStagedAuditEvents(statements: StatementCache): number {
  const { last } = statements.get('SELECT max(seq) AS last FROM audit_staged').get() as { last: number | null };
  if (last === null) return 0;
  statements.get(`INSERT INTO audit_events (${COLUMNS}) SELECT ${COLUMNS} FROM audit_staged WHERE seq <= ? ORDER BY seq ON CONFLICT (id) DO NOTHING`).run(last);
  return statements.get('DELETE FROM audit_staged WHERE seq <= ?').run(last).changes;
}

/** How often staged events are moved when nothing reads the trail (a read moves them first anyway). */
export const MOVE_STAGED_MS = 1000;

export interface SqliteAuditEventStore extends AuditEventStore {
  /** Stops the periodic move (the store is closing); events still staged stay in the file and move after the next open. */
  stop(): void;
}

export function createSqliteAuditEventStore(deps: {
  db: Database.Database;
  statements: StatementCache;
  commits: GroupCommit;
  /** MOVE_STAGED_MS unless given; 0: no periodic move (tests move by reading). */
  moveStagedMs?: number;
  /**
   * The store's staging of the events of writes (audit-staging.ts), which gathers them per group transaction: a move
   * then runs at the end of its transaction, after them. Without it, a move runs in its own turn of the transaction.
   */
  staging?: { moveStaged(): void };
}): SqliteAuditEventStore {
  const { db, statements, commits, staging } = deps;
  const run = <T>(call: () => T): T => translateErrors(() => db.open, call);
  const anyStaged = () => run(() => statements.get('SELECT EXISTS (SELECT 1 FROM audit_staged) AS staged').get() as { staged: number }).staged === 1;
  /** Staged events moved in the next group transaction (sharing a COMMIT with the writes of that turn). */
  const moveStaged = async () => {
    if (anyStaged()) await batchedWrite(db, commits, () => (staging ? staging.moveStaged() : moveStagedAuditEvents(statements)));
  };
  const moveStagedMs = deps.moveStagedMs ?? MOVE_STAGED_MS;
  const mover =
    moveStagedMs > 0
      ? setInterval(() => {
          // A failed move leaves the events staged for the next one, or for the next read, which moves them first.
          if (db.open) moveStaged().catch(() => undefined);
        }, moveStagedMs)
      : undefined;
  mover?.unref();

  return {
    async append(events) {
      if (events.length === 0) return 0;
      // In the next group transaction (group-commit.ts): a flush of read events shares the writes' COMMIT and fsync,
      // and the staged events of writes move with it.
      return batchedWrite(db, commits, () => {
        const added = insertAuditEvents(statements, events);
        moveStagedAuditEvents(statements);
        return added;
      });
    },

    async list(tenantId, query) {
      await moveStaged();
      const where = ['tenant_id = ?'];
      const params: unknown[] = [tenantId];
      if (query.filter) {
        const compiled = auditFilterToSql(query.filter);
        where.push(compiled.sql);
        params.push(...compiled.params);
      }
      const pageWhere = [...where];
      const pageParams = [...params];
      if (query.after) {
        pageWhere.push('(time, id) < (?, ?)');
        pageParams.push(query.after.time, query.after.id);
      }
      // The count reads the same index as the page: it needs every matching event, the page only the newest ones.
      const index = indexFor(query.filter);
      const from = `audit_events ${index ? `INDEXED BY ${index} ` : ''}`;
      return run(() =>
        // One read transaction: the count and the page see the same snapshot.
        db.transaction(() => {
          const { total } = statements.get(`SELECT count(*) AS total FROM ${from}WHERE ${where.join(' AND ')}`).get(...params) as { total: number };
          if (query.count <= 0) return { events: [], totalResults: total };
          // One row more than asked: its presence says another page follows.
          const rows = statements
            .get(`SELECT data FROM ${from}WHERE ${pageWhere.join(' AND ')} ORDER BY time DESC, id DESC LIMIT ?`)
            .all(...pageParams, query.count + 1) as { data: string }[];
          const events = rows.slice(0, query.count).map((row) => JSON.parse(row.data) as AuditEventRecord);
          const last = events[events.length - 1];
          const next: AuditPosition | undefined = rows.length > query.count && last ? { time: last.time, id: last.id } : undefined;
          return { events, totalResults: total, ...(next ? { next } : {}) };
        })(),
      );
    },

    async get(tenantId, id) {
      await moveStaged();
      return run(() => {
        const row = statements.get('SELECT data FROM audit_events WHERE id = ? AND tenant_id = ?').get(id, tenantId) as { data: string } | undefined;
        return row ? (JSON.parse(row.data) as AuditEventRecord) : null;
      });
    },

    async purge(tenantId, before, limit) {
      return run(
        () =>
          db
            .transaction(() => {
              moveStagedAuditEvents(statements);
              return statements
                .get('DELETE FROM audit_events WHERE rowid IN (SELECT rowid FROM audit_events WHERE tenant_id = ? AND time < ? LIMIT ?)')
                .run(tenantId, before, limit).changes;
            })
            .immediate(),
      );
    },

    stop() {
      if (mover) clearInterval(mover);
    },
  };
}

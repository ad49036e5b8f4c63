// OutboxStore on SQLite (table `outbox`, migration 7). A batch claim is ONE UPDATE of the rows a subquery picks, run
// under the database's write lock: of two processes claiming at once, the second's subquery no longer sees the
// first's messages as available. ack and fail are UPDATEs conditional on the claim token. insertOutboxMessages lets a
// write of another store append its messages inside its own transaction (a resource and the audit events of its
// change commit together).
import type Database from 'better-sqlite3';
import type { AuditEventRecord } from '../audit-event-store';
import type { JsonValue } from '../json-value';
import { OutboxStatus, type NewOutboxMessage, type OutboxMessage, type OutboxStore } from '../outbox-store';
import type { AuditStaging } from './audit-staging';
import { stageAuditEvents } from './sqlite-audit-event-store';
import { translateErrors } from './sqlite-errors';
import type { StatementCache } from './statement-cache';

interface OutboxRow {
  readonly seq: number;
  readonly id: string;
  readonly tenant_id: string;
  readonly topic: string;
  readonly key: string;
  readonly payload: string;
  readonly status: string;
  readonly attempts: number;
  readonly created: string;
  readonly available_at: string;
  readonly updated: string;
  readonly last_error: string | null;
  readonly delivered: string | null;
  readonly condition: string | null;
}

const COLUMNS = 'seq, id, tenant_id, topic, key, payload, status, attempts, created, available_at, updated, last_error, delivered, condition';
const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');
/** Keys of a release or discard are bound in chunks, well under SQLite's limit on parameters per statement. */
const KEY_CHUNK = 500;

const INSERT_MESSAGE_SQL = `INSERT INTO outbox (id, tenant_id, topic, key, payload, status, attempts, created, available_at, updated, condition)
     VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?) ON CONFLICT (tenant_id, topic, key) DO NOTHING`;

/**
 * Appends messages whose (tenant, topic, key) is new; returns how many. Must run inside a write transaction. A message
 * for the audit store only (`auditStoreOnly`) is delivered here and now instead: its events are staged for the audit
 * store in the same transaction (migration 21), which is what a worker would do later, minus the message's insert,
 * claim and acknowledgement (counted as appended when it had events). With `staging` (the store's, audit-staging.ts)
 * they are gathered and inserted with those of the other writes of the group transaction, before its COMMIT; without
 * it, now. They are staged after the other messages are inserted, so that no failure of this call can follow them.
 */
export function insertOutboxMessages(statements: StatementCache, messages: readonly NewOutboxMessage[], staging?: Pick<AuditStaging, 'stage'>): number {
  let added = 0;
  const forAuditStore: NewOutboxMessage[] = [];
  for (const message of messages) {
    if (message.auditStoreOnly && message.condition === undefined) {
      forAuditStore.push(message);
      continue;
    }
    const condition = message.condition === undefined ? null : JSON.stringify(message.condition);
    // Looked up only for a message that is inserted: most writes carry only a message for the audit store.
    const insert = statements.get(INSERT_MESSAGE_SQL);
    added += insert.run(message.id, message.tenantId, message.topic, message.key, JSON.stringify(message.payload), message.created, message.availableAt ?? message.created, message.created, condition).changes;
  }
  for (const message of forAuditStore) {
    const events = (message.payload as unknown as { events: AuditEventRecord[] }).events;
    if ((staging ? staging.stage(events) : stageAuditEvents(statements, events)) > 0) added += 1;
  }
  return added;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let from = 0; from < items.length; from += size) result.push(items.slice(from, from + size));
  return result;
}

export function createSqliteOutboxStore(deps: { db: Database.Database; statements: StatementCache }): OutboxStore {
  const { db, statements } = deps;
  const run = <T>(call: () => T): T => translateErrors(() => db.open, call);
  /** One transaction over the key chunks of a release or discard. */
  const changeHeld = async (keys: readonly string[], step: (chunk: string[]) => number): Promise<number> => {
    if (keys.length === 0) return 0;
    return run(() => db.transaction(() => chunks(keys, KEY_CHUNK).reduce((total, chunk) => total + step(chunk), 0)).immediate());
  };

  return {
    async append(messages) {
      if (messages.length === 0) return 0;
      return run(() => db.transaction(() => insertOutboxMessages(statements, messages)).immediate());
    },

    async claim(claim) {
      if (claim.topics.length === 0 || claim.limit <= 0) return [];
      return run(() => {
        const topics = placeholders(claim.topics.length);
        // A read first: an idle poll finds nothing without taking the write lock that an UPDATE takes.
        if (!statements.get(`SELECT 1 FROM outbox WHERE status = 'pending' AND available_at <= ? AND topic IN (${topics}) LIMIT 1`).get(claim.now, ...claim.topics)) return [];
        const rows = statements
          .get(
            `UPDATE outbox SET claim_token = ?, available_at = ?, attempts = attempts + 1, updated = ?
             WHERE seq IN (SELECT seq FROM outbox WHERE status = 'pending' AND available_at <= ? AND topic IN (${topics}) ORDER BY available_at, seq LIMIT ?)
             RETURNING ${COLUMNS}`,
          )
          .all(claim.token, claim.claimExpires, claim.now, claim.now, ...claim.topics, claim.limit) as OutboxRow[];
        return rows.sort((a, b) => a.seq - b.seq).map(toMessage);
      });
    },

    async ack(id, token, now) {
      return run(
        () =>
          statements
            .get(`UPDATE outbox SET status = 'delivered', delivered = ?, updated = ?, claim_token = NULL WHERE id = ? AND claim_token = ? AND status = 'pending'`)
            .run(now, now, id, token).changes > 0,
      );
    },

    async ackMany(ids, token, now) {
      if (ids.length === 0) return 0;
      return run(() =>
        db
          .transaction(() => {
            let acked = 0;
            for (const chunk of chunks(ids, KEY_CHUNK)) {
              acked += statements
                .get(
                  `UPDATE outbox SET status = 'delivered', delivered = ?, updated = ?, claim_token = NULL
                   WHERE id IN (${placeholders(chunk.length)}) AND claim_token = ? AND status = 'pending'`,
                )
                .run(now, now, ...chunk, token).changes;
            }
            return acked;
          })
          .immediate(),
      );
    },

    async fail(id, token, failure) {
      return run(() => {
        const row = statements
          .get(
            `UPDATE outbox SET status = ?, available_at = coalesce(?, available_at), last_error = ?, updated = ?, claim_token = NULL
             WHERE id = ? AND claim_token = ? AND status = 'pending' RETURNING ${COLUMNS}`,
          )
          .get(failure.retryAt === undefined ? OutboxStatus.dead : OutboxStatus.pending, failure.retryAt ?? null, failure.error, failure.now, id, token) as OutboxRow | undefined;
        return row ? toMessage(row) : null;
      });
    },

    async find(tenantId, topic, key) {
      return run(() => {
        const row = statements.get(`SELECT ${COLUMNS} FROM outbox WHERE tenant_id = ? AND topic = ? AND key = ?`).get(tenantId, topic, key) as OutboxRow | undefined;
        return row ? toMessage(row) : null;
      });
    },

    async list(tenantId, options) {
      return run(() => {
        const conditions = ['tenant_id = ?'];
        const params: unknown[] = [tenantId];
        if (options.status !== undefined) {
          conditions.push('status = ?');
          params.push(options.status);
        }
        if (options.topic !== undefined) {
          conditions.push('topic = ?');
          params.push(options.topic);
        }
        if (options.after) {
          conditions.push('(created, id) > (?, ?)');
          params.push(options.after.created, options.after.id);
        }
        const rows = statements.get(`SELECT ${COLUMNS} FROM outbox WHERE ${conditions.join(' AND ')} ORDER BY created, id LIMIT ?`).all(...params, options.limit) as OutboxRow[];
        return rows.map(toMessage);
      });
    },

    async listByKey(tenantId, range) {
      return run(() => {
        // The key range of the prefix on the unique (tenant_id, topic, key) index; U+FFFF sorts after any key character.
        const direction = range.descending ? 'DESC' : 'ASC';
        const conditions = ['tenant_id = ?', 'topic = ?', 'key >= ?', 'key < ?'];
        const params: unknown[] = [tenantId, range.topic, range.prefix, `${range.prefix}\uffff`];
        if (range.afterKey !== undefined) {
          conditions.push(range.descending ? 'key < ?' : 'key > ?');
          params.push(range.afterKey);
        }
        const rows = statements
          .get(`SELECT ${COLUMNS} FROM outbox WHERE ${conditions.join(' AND ')} ORDER BY key ${direction} LIMIT ?`)
          .all(...params, range.limit) as OutboxRow[];
        return rows.map(toMessage);
      });
    },

    async countByKey(tenantId, topic, prefix) {
      return run(
        () =>
          (statements.get('SELECT count(*) AS n FROM outbox WHERE tenant_id = ? AND topic = ? AND key >= ? AND key < ?').get(tenantId, topic, prefix, `${prefix}\uffff`) as { n: number }).n,
      );
    },

    async release(tenantId, topic, keys, now) {
      return changeHeld(keys, (chunk) =>
        statements
          .get(
            `UPDATE outbox SET available_at = ?, condition = NULL, updated = ?
             WHERE tenant_id = ? AND topic = ? AND key IN (${placeholders(chunk.length)}) AND status = 'pending' AND claim_token IS NULL AND condition IS NOT NULL`,
          )
          .run(now, now, tenantId, topic, ...chunk).changes,
      );
    },

    async discard(tenantId, topic, keys) {
      return changeHeld(keys, (chunk) =>
        statements
          .get(
            `DELETE FROM outbox WHERE tenant_id = ? AND topic = ? AND key IN (${placeholders(chunk.length)})
             AND status = 'pending' AND claim_token IS NULL AND condition IS NOT NULL`,
          )
          .run(tenantId, topic, ...chunk).changes,
      );
    },

    async requeue(tenantId, id, now) {
      return run(() => {
        const row = statements
          .get(`UPDATE outbox SET status = 'pending', attempts = 0, available_at = ?, updated = ? WHERE id = ? AND tenant_id = ? AND status = 'dead' RETURNING ${COLUMNS}`)
          .get(now, now, id, tenantId) as OutboxRow | undefined;
        return row ? toMessage(row) : null;
      });
    },

    async purgeDelivered(before, limit) {
      return run(
        () =>
          statements.get(`DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE status = 'delivered' AND delivered < ? LIMIT ?)`).run(before, limit).changes,
      );
    },

    async countBacklog() {
      return run(() => {
        // Each count reads a partial index of its status only (outbox_available, outbox_dead), never the delivered rows.
        const count = (status: OutboxStatus) => (statements.get('SELECT count(*) AS n FROM outbox WHERE status = ?').get(status) as { n: number }).n;
        return { pending: count(OutboxStatus.pending), dead: count(OutboxStatus.dead) };
      });
    },
  };
}

function toMessage(row: OutboxRow): OutboxMessage {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    topic: row.topic,
    key: row.key,
    payload: JSON.parse(row.payload) as JsonValue,
    status: row.status as OutboxStatus,
    attempts: row.attempts,
    created: row.created,
    availableAt: row.available_at,
    updated: row.updated,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    ...(row.delivered === null ? {} : { delivered: row.delivered }),
    ...(row.condition === null ? {} : { condition: JSON.parse(row.condition) as JsonValue }),
  };
}

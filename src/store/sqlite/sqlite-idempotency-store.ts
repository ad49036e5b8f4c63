// IdempotencyStore on SQLite (table `idempotency_keys`, migration 10). A claim is ONE upsert: it inserts a new key,
// or takes over an expired record or a pending one whose lock expired, and otherwise changes nothing; RETURNING says
// whether this claim's token now holds the row. Complete and release are conditional on that token.
import type Database from 'better-sqlite3';
import { IdempotencyState, type IdempotencyRecord, type IdempotencyStore } from '../idempotency-store';
import { translateErrors } from './sqlite-errors';
import type { StatementCache } from './statement-cache';

interface IdempotencyRow {
  readonly tenant_id: string;
  readonly id: string;
  readonly fingerprint: string;
  readonly state: string;
  readonly created: string;
  readonly expires: string;
  readonly locked_until: string | null;
  readonly response: string | null;
}

const COLUMNS = 'tenant_id, id, fingerprint, state, created, expires, locked_until, response';

export function createSqliteIdempotencyStore(deps: { db: Database.Database; statements: StatementCache }): IdempotencyStore {
  const { db, statements } = deps;
  const run = <T>(call: () => T): T => translateErrors(() => db.open, call);

  return {
    async claim(claim) {
      return run(() =>
        db
          .transaction(() => {
            const won = statements
              .get(
                `INSERT INTO idempotency_keys (tenant_id, id, fingerprint, state, claim_token, created, expires, locked_until, response)
                 VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, NULL)
                 ON CONFLICT (tenant_id, id) DO UPDATE SET
                   fingerprint = excluded.fingerprint, state = 'pending', claim_token = excluded.claim_token, created = excluded.created,
                   expires = excluded.expires, locked_until = excluded.locked_until, response = NULL
                 WHERE expires <= ? OR (state = 'pending' AND locked_until <= ?)
                 RETURNING claim_token`,
              )
              .get(claim.tenantId, claim.id, claim.fingerprint, claim.token, claim.now, claim.expires, claim.lockedUntil, claim.now, claim.now) as
              | { claim_token: string }
              | undefined;
            if (won?.claim_token === claim.token) return { claimed: true } as const;
            const row = statements.get(`SELECT ${COLUMNS} FROM idempotency_keys WHERE tenant_id = ? AND id = ?`).get(claim.tenantId, claim.id) as IdempotencyRow;
            return { claimed: false, record: toRecord(row) } as const;
          })
          .immediate(),
      );
    },

    async complete(tenantId, id, token, completion) {
      return run(
        () =>
          statements
            .get(
              `UPDATE idempotency_keys SET state = 'completed', response = ?, claim_token = NULL, locked_until = NULL
               WHERE tenant_id = ? AND id = ? AND claim_token = ? AND state = 'pending'`,
            )
            .run(completion.response, tenantId, id, token).changes > 0,
      );
    },

    async release(tenantId, id, token) {
      return run(
        () => statements.get(`DELETE FROM idempotency_keys WHERE tenant_id = ? AND id = ? AND claim_token = ? AND state = 'pending'`).run(tenantId, id, token).changes > 0,
      );
    },

    async purgeExpired(now, limit) {
      return run(
        () =>
          statements
            .get('DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys WHERE expires <= ? LIMIT ?)')
            .run(now, limit).changes,
      );
    },
  };
}

function toRecord(row: IdempotencyRow): IdempotencyRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    fingerprint: row.fingerprint,
    state: row.state === IdempotencyState.completed ? IdempotencyState.completed : IdempotencyState.pending,
    created: row.created,
    expires: row.expires,
    ...(row.locked_until === null ? {} : { lockedUntil: row.locked_until }),
    ...(row.response === null ? {} : { response: row.response }),
  };
}

// InvitationStore on SQLite: tables invitations and invitation_tokens (migration 14). Each state change is one UPDATE
// conditional on `status = 'pending' AND send = ?`, so that of two changes racing, on one connection or on two
// processes, the second finds no row to change. A new invitation and a renewed link write their two rows in one
// transaction.
import type Database from 'better-sqlite3';
import type { InvitationPosition, InvitationQuery, InvitationRecord, InvitationStatus, InvitationStore } from '../invitation-store';
import { StoreError } from '../store-error';
import { isUniqueViolation, translateErrors } from './sqlite-errors';
import type { StatementCache } from './statement-cache';

interface InvitationRow {
  readonly tenant_id: string;
  readonly id: string;
  readonly email: string;
  readonly email_key: string;
  readonly status: string;
  readonly user_id: string;
  readonly user_created: number;
  readonly roles: string;
  readonly groups: string;
  readonly message: string | null;
  readonly invited_by: string;
  readonly created: string;
  readonly updated: string;
  readonly expires: string;
  readonly send: number;
  readonly status_changed: string | null;
  readonly delivered_send: number | null;
  readonly delivered_at: string | null;
}

const COLUMNS =
  'tenant_id, id, email, email_key, status, user_id, user_created, roles, groups, message, invited_by, created, updated, expires, send, status_changed, delivered_send, delivered_at';

/** The statements with a fixed text (exported for the query-plan test). */
export const INVITATION_SQL = {
  insert: `INSERT INTO invitations (${COLUMNS}) VALUES (${COLUMNS.split(', ').map(() => '?').join(', ')})`,
  insertToken: 'INSERT INTO invitation_tokens (token_hash, tenant_id, invitation_id, send) VALUES (?, ?, ?, ?)',
  get: `SELECT ${COLUMNS} FROM invitations WHERE tenant_id = ? AND id = ?`,
  token: 'SELECT tenant_id, invitation_id, send FROM invitation_tokens WHERE token_hash = ?',
  finish: `UPDATE invitations SET status = ?, updated = ?, status_changed = ? WHERE tenant_id = ? AND id = ? AND status = 'pending' AND send = ? RETURNING ${COLUMNS}`,
  renew: `UPDATE invitations SET send = send + 1, expires = ?, updated = ? WHERE tenant_id = ? AND id = ? AND status = 'pending' AND send = ? RETURNING ${COLUMNS}`,
  delivered: 'UPDATE invitations SET delivered_send = ?, delivered_at = ? WHERE tenant_id = ? AND id = ? AND (delivered_send IS NULL OR delivered_send < ?)',
  due: `SELECT ${COLUMNS} FROM invitations WHERE tenant_id = ? AND status = 'pending' AND expires <= ? ORDER BY expires LIMIT ?`,
} as const;

/** WHERE conditions and their parameters for a list query; each shape uses one index ending in (created, id). */
function whereOf(tenantId: string, query: InvitationQuery): { conditions: string[]; params: unknown[] } {
  const conditions = ['tenant_id = ?'];
  const params: unknown[] = [tenantId];
  if (query.status !== undefined) {
    conditions.push('status = ?');
    params.push(query.status);
  }
  if (query.emailKey !== undefined) {
    conditions.push('email_key = ?');
    params.push(query.emailKey);
  }
  for (const [op, sql] of [['gt', '>'], ['ge', '>='], ['lt', '<'], ['le', '<=']] as const) {
    const bound = query.created?.[op];
    if (bound !== undefined) {
      conditions.push(`created ${sql} ?`);
      params.push(bound);
    }
  }
  return { conditions, params };
}

/** A page of a list query: oldest first by (created, id), one row more than wanted (exported for the query-plan test). */
export function invitationListSql(tenantId: string, query: InvitationQuery, after: InvitationPosition | undefined, rows: number): { sql: string; params: unknown[] } {
  const { conditions, params } = whereOf(tenantId, query);
  if (after) {
    conditions.push('(created, id) > (?, ?)');
    params.push(after.created, after.id);
  }
  return { sql: `SELECT ${COLUMNS} FROM invitations WHERE ${conditions.join(' AND ')} ORDER BY created, id LIMIT ?`, params: [...params, rows] };
}

/** The count of a list query (exported for the query-plan test). */
export function invitationCountSql(tenantId: string, query: InvitationQuery): { sql: string; params: unknown[] } {
  const { conditions, params } = whereOf(tenantId, query);
  return { sql: `SELECT count(*) AS n FROM invitations WHERE ${conditions.join(' AND ')}`, params };
}

export function createSqliteInvitationStore(deps: { db: Database.Database; statements: StatementCache }): InvitationStore {
  const { db, statements } = deps;
  const run = <T>(call: () => T): T => translateErrors(() => db.open, call);
  const one = (sql: string, ...params: unknown[]) => {
    const row = statements.get(sql).get(...params) as InvitationRow | undefined;
    return row ? toRecord(row) : null;
  };

  return {
    async create(invitation, tokenHash) {
      run(() => {
        try {
          db.transaction(() => {
            statements.get(INVITATION_SQL.insert).run(...rowOf(invitation));
            statements.get(INVITATION_SQL.insertToken).run(tokenHash, invitation.tenantId, invitation.id, invitation.send);
          }).immediate();
        } catch (error) {
          if (isUniqueViolation(error)) throw new StoreError('conflict', `A pending invitation for this address exists already`, { attribute: 'email', cause: error });
          throw error;
        }
      });
    },

    async get(tenantId, id) {
      return run(() => one(INVITATION_SQL.get, tenantId, id));
    },

    async findByTokenHash(tokenHash) {
      return run(() => {
        const link = statements.get(INVITATION_SQL.token).get(tokenHash) as { tenant_id: string; invitation_id: string; send: number } | undefined;
        if (!link) return null;
        const invitation = one(INVITATION_SQL.get, link.tenant_id, link.invitation_id);
        return invitation ? { invitation, send: link.send } : null;
      });
    },

    async list(tenantId, query, { after, limit }) {
      const wanted = Math.max(0, Math.trunc(limit));
      return run(() => {
        // One row more than asked: its presence says another page follows.
        const { sql, params } = invitationListSql(tenantId, query, after, wanted + 1);
        const rows = statements.get(sql).all(...params) as InvitationRow[];
        const invitations = rows.slice(0, wanted).map(toRecord);
        const last = invitations[invitations.length - 1];
        return rows.length > wanted && last ? { invitations, next: { created: last.created, id: last.id } } : { invitations };
      });
    },

    async count(tenantId, query) {
      return run(() => {
        const { sql, params } = invitationCountSql(tenantId, query);
        return (statements.get(sql).get(...params) as { n: number }).n;
      });
    },

    async finish(tenantId, id, { send, to, at }) {
      return run(() => one(INVITATION_SQL.finish, to, at, at, tenantId, id, send));
    },

    async renew(tenantId, id, { send, tokenHash, expires, at }) {
      return run(() =>
        db
          .transaction(() => {
            const renewed = one(INVITATION_SQL.renew, expires, at, tenantId, id, send);
            if (renewed) statements.get(INVITATION_SQL.insertToken).run(tokenHash, tenantId, id, renewed.send);
            return renewed;
          })
          .immediate(),
      );
    },

    async recordDelivery(tenantId, id, { send, at }) {
      run(() => statements.get(INVITATION_SQL.delivered).run(send, at, tenantId, id, send));
    },

    async due(tenantId, now, limit) {
      return run(() => (statements.get(INVITATION_SQL.due).all(tenantId, now, Math.max(0, Math.trunc(limit))) as InvitationRow[]).map(toRecord));
    },
  };
}

function rowOf(invitation: InvitationRecord): unknown[] {
  return [
    invitation.tenantId,
    invitation.id,
    invitation.email,
    invitation.emailKey,
    invitation.status,
    invitation.userId,
    invitation.userCreated ? 1 : 0,
    JSON.stringify(invitation.roles),
    JSON.stringify(invitation.groups),
    invitation.message ?? null,
    JSON.stringify(invitation.invitedBy),
    invitation.created,
    invitation.updated,
    invitation.expires,
    invitation.send,
    invitation.statusChanged ?? null,
    invitation.delivered?.send ?? null,
    invitation.delivered?.at ?? null,
  ];
}

function toRecord(row: InvitationRow): InvitationRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    email: row.email,
    emailKey: row.email_key,
    status: row.status as InvitationStatus,
    userId: row.user_id,
    userCreated: row.user_created === 1,
    roles: JSON.parse(row.roles) as string[],
    groups: JSON.parse(row.groups) as string[],
    ...(row.message !== null ? { message: row.message } : {}),
    invitedBy: JSON.parse(row.invited_by) as InvitationRecord['invitedBy'],
    created: row.created,
    updated: row.updated,
    expires: row.expires,
    send: row.send,
    ...(row.status_changed !== null ? { statusChanged: row.status_changed } : {}),
    ...(row.delivered_send !== null && row.delivered_at !== null ? { delivered: { send: row.delivered_send, at: row.delivered_at } } : {}),
  };
}

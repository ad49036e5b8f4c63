// JobStore on SQLite (table `jobs`, migration 6). A claim is ONE statement, an UPDATE of the row a subquery picks by
// `due`: SQLite runs it under the database's write lock, so of two processes claiming at once each job goes to exactly
// one (the other's subquery, run after, no longer sees it as due). Every call about a running job is an UPDATE
// conditional on its lease token.
import type Database from 'better-sqlite3';
import type { JsonValue } from '../json-value';
import { JobStatus, type JobError, type JobProgress, type JobRecord, type JobStore } from '../job-store';
import { StoreError } from '../store-error';
import { sqliteCode, translateErrors } from './sqlite-errors';
import type { StatementCache } from './statement-cache';

interface JobRow {
  readonly id: string;
  readonly tenant_id: string;
  readonly type: string;
  readonly idempotency_key: string | null;
  readonly status: string;
  readonly input: string;
  readonly progress: string | null;
  readonly checkpoint: string | null;
  readonly result: string | null;
  readonly error: string | null;
  readonly attempts: number;
  readonly cancel_requested: number;
  readonly created: string;
  readonly run_after: string;
  readonly started: string | null;
  readonly finished: string | null;
  readonly updated: string;
  readonly lease_owner: string | null;
  readonly lease_expires: string | null;
}

const COLUMNS =
  'id, tenant_id, type, idempotency_key, status, input, progress, checkpoint, result, error, attempts, cancel_requested, created, run_after, started, finished, updated, lease_owner, lease_expires';

const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');
const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

export function createSqliteJobStore(deps: { db: Database.Database; statements: StatementCache }): JobStore {
  const { db, statements } = deps;
  const run = <T>(call: () => T): T => translateErrors(() => db.open, call);
  const one = (sql: string, ...params: unknown[]) => {
    const row = statements.get(sql).get(...params) as JobRow | undefined;
    return row ? toJob(row) : null;
  };
  const byId = (id: string) => one(`SELECT ${COLUMNS} FROM jobs WHERE id = ?`, id);

  return {
    async enqueue(job) {
      return run(() =>
        db
          .transaction(() => {
            if (job.idempotencyKey !== undefined) {
              const existing = one(`SELECT ${COLUMNS} FROM jobs WHERE tenant_id = ? AND type = ? AND idempotency_key = ?`, job.tenantId, job.type, job.idempotencyKey);
              if (existing) return { job: existing, created: false };
            }
            const runAfter = job.runAfter ?? job.created;
            try {
              statements
                .get(
                  `INSERT INTO jobs (id, tenant_id, type, idempotency_key, status, input, attempts, cancel_requested, created, run_after, updated, due)
                   VALUES (?, ?, ?, ?, 'queued', ?, 0, 0, ?, ?, ?, ?)`,
                )
                .run(job.id, job.tenantId, job.type, job.idempotencyKey ?? null, JSON.stringify(job.input), job.created, runAfter, job.created, runAfter);
            } catch (error) {
              if (sqliteCode(error) === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new StoreError('conflict', `Job ${job.id} already exists`, { attribute: 'id', cause: error });
              throw error;
            }
            return { job: byId(job.id)!, created: true };
          })
          .immediate(),
      );
    },

    async get(tenantId, id) {
      return run(() => one(`SELECT ${COLUMNS} FROM jobs WHERE id = ? AND tenant_id = ?`, id, tenantId));
    },

    async list(tenantId, options) {
      return run(() => {
        const conditions = ['tenant_id = ?'];
        const params: unknown[] = [tenantId];
        if (options.status !== undefined) {
          conditions.push('status = ?');
          params.push(options.status);
        }
        if (options.type !== undefined) {
          conditions.push('type = ?');
          params.push(options.type);
        }
        if (options.after) {
          conditions.push('(created, id) < (?, ?)');
          params.push(options.after.created, options.after.id);
        }
        const rows = statements
          .get(`SELECT ${COLUMNS} FROM jobs WHERE ${conditions.join(' AND ')} ORDER BY created DESC, id DESC LIMIT ?`)
          .all(...params, options.limit + 1) as JobRow[];
        const jobs = rows.slice(0, options.limit).map(toJob);
        const last = jobs[jobs.length - 1];
        return rows.length > options.limit && last ? { jobs, next: { created: last.created, id: last.id } } : { jobs };
      });
    },

    async claim(claim) {
      if (claim.types.length === 0) return null;
      return run(() => {
        const types = placeholders(claim.types.length);
        // A read first: an idle poll finds nothing without taking the write lock that an UPDATE takes.
        if (!statements.get(`SELECT 1 FROM jobs WHERE due <= ? AND type IN (${types}) LIMIT 1`).get(claim.now, ...claim.types)) return null;
        return one(
          `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_token = ?, lease_owner = ?, lease_expires = ?, due = ?,
             started = coalesce(started, ?), updated = ?
           WHERE id = (SELECT id FROM jobs WHERE due <= ? AND type IN (${types}) ORDER BY due, created, id LIMIT 1)
           RETURNING ${COLUMNS}`,
          claim.token,
          claim.owner,
          claim.leaseExpires,
          claim.leaseExpires,
          claim.now,
          claim.now,
          claim.now,
          ...claim.types,
        );
      });
    },

    async renew(id, token, renewal) {
      return run(() =>
        one(
          `UPDATE jobs SET lease_expires = ?, due = ?, updated = ?, progress = coalesce(?, progress), checkpoint = coalesce(?, checkpoint)
           WHERE id = ? AND lease_token = ? AND status = 'running' RETURNING ${COLUMNS}`,
          renewal.leaseExpires,
          renewal.leaseExpires,
          renewal.now,
          json(renewal.progress),
          json(renewal.checkpoint),
          id,
          token,
        ),
      );
    },

    async finish(id, token, outcome) {
      const result = outcome.status === JobStatus.succeeded ? json(outcome.result) : null;
      const error = outcome.status === JobStatus.failed ? json(outcome.error) : null;
      return run(() =>
        one(
          `UPDATE jobs SET status = ?, finished = ?, updated = ?, result = ?, error = ?, due = NULL, lease_token = NULL, lease_owner = NULL, lease_expires = NULL
           WHERE id = ? AND lease_token = ? AND status = 'running' RETURNING ${COLUMNS}`,
          outcome.status,
          outcome.now,
          outcome.now,
          result,
          error,
          id,
          token,
        ),
      );
    },

    async release(id, token, release) {
      return run(() =>
        one(
          `UPDATE jobs SET status = 'queued', run_after = ?, due = ?, updated = ?, error = coalesce(?, error),
             lease_token = NULL, lease_owner = NULL, lease_expires = NULL
           WHERE id = ? AND lease_token = ? AND status = 'running' RETURNING ${COLUMNS}`,
          release.runAfter,
          release.runAfter,
          release.now,
          json(release.error),
          id,
          token,
        ),
      );
    },

    async cancel(tenantId, id, now) {
      return run(() =>
        db
          .transaction(() => {
            statements
              .get(`UPDATE jobs SET status = 'cancelled', cancel_requested = 1, finished = ?, updated = ?, due = NULL WHERE id = ? AND tenant_id = ? AND status = 'queued'`)
              .run(now, now, id, tenantId);
            statements.get(`UPDATE jobs SET cancel_requested = 1, updated = ? WHERE id = ? AND tenant_id = ? AND status = 'running'`).run(now, id, tenantId);
            return one(`SELECT ${COLUMNS} FROM jobs WHERE id = ? AND tenant_id = ?`, id, tenantId);
          })
          .immediate(),
      );
    },

    async retry(tenantId, id, now) {
      return run(() =>
        db
          .transaction(() => {
            statements
              .get(
                `UPDATE jobs SET status = 'queued', run_after = ?, due = ?, updated = ?, finished = NULL, result = NULL, error = NULL, cancel_requested = 0
                 WHERE id = ? AND tenant_id = ? AND status IN ('failed', 'cancelled')`,
              )
              .run(now, now, now, id, tenantId);
            return one(`SELECT ${COLUMNS} FROM jobs WHERE id = ? AND tenant_id = ?`, id, tenantId);
          })
          .immediate(),
      );
    },

    async purgeFinished(tenantId, before, limit) {
      return run(
        () =>
          statements
            .get('DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE tenant_id = ? AND finished < ? LIMIT ?)')
            .run(tenantId, before, limit).changes,
      );
    },

    async countActive() {
      return run(() => {
        // jobs_due holds exactly the jobs that are not finished (due is NULL once a job ends).
        const rows = statements.get('SELECT status, count(*) AS n FROM jobs WHERE due IS NOT NULL GROUP BY status').all() as { status: string; n: number }[];
        const count = (status: string) => rows.find((row) => row.status === status)?.n ?? 0;
        return { queued: count(JobStatus.queued), running: count(JobStatus.running) };
      });
    },
  };
}

function toJob(row: JobRow): JobRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    type: row.type,
    ...(row.idempotency_key === null ? {} : { idempotencyKey: row.idempotency_key }),
    status: row.status as JobStatus,
    input: JSON.parse(row.input) as JsonValue,
    ...(row.progress === null ? {} : { progress: JSON.parse(row.progress) as JobProgress }),
    ...(row.checkpoint === null ? {} : { checkpoint: JSON.parse(row.checkpoint) as JsonValue }),
    ...(row.result === null ? {} : { result: JSON.parse(row.result) as JsonValue }),
    ...(row.error === null ? {} : { error: JSON.parse(row.error) as JobError }),
    attempts: row.attempts,
    cancelRequested: row.cancel_requested === 1,
    created: row.created,
    runAfter: row.run_after,
    ...(row.started === null ? {} : { started: row.started }),
    ...(row.finished === null ? {} : { finished: row.finished }),
    updated: row.updated,
    ...(row.lease_owner === null || row.lease_expires === null ? {} : { lease: { owner: row.lease_owner, expires: row.lease_expires } }),
  };
}

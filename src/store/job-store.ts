// The jobs port: long work (exports, imports, sweeps, rebuilds) recorded in the store, so that it survives restarts and
// runs on exactly one of the instances sharing the store (ARCHITECTURE "Extensions, jobs and per-tenant schemas").
//
// Who runs a job is decided by a lease: claim() hands a due job to one caller, atomically (a single-row UPDATE on
// SQLite, a single-document findOneAndUpdate on MongoDB: no multi-document transaction), with a lease token and an
// expiry. While the runner holds the token it renews the lease (heartbeat), recording progress and a checkpoint as it
// goes, and ends the job with finish() or gives it back with release(). Every one of those is conditional on the
// token: a runner whose lease expired and was taken over by another claim finds its calls answered with null and
// stops. A job whose lease expired is due again, and the next claim takes it over from its last checkpoint.
import type { JsonValue } from './json-value';

export const JobStatus = {
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];
export type FinishedJobStatus = typeof JobStatus.succeeded | typeof JobStatus.failed | typeof JobStatus.cancelled;

/** The tenant of jobs that belong to the whole server (rebuilds, housekeeping); no tenant id is ever this. */
export const SYSTEM_TENANT_ID = '_system';

export interface JobProgress {
  readonly processed: number;
  /** When known (e.g. the number of users to export). */
  readonly total?: number;
}

export interface JobError {
  /** For people: what went wrong, without secrets or stack traces. */
  readonly message: string;
  /** For programs: a short code (e.g. `lease_lost`, `gave_up`). */
  readonly code?: string;
}

export interface JobLease {
  /** The instance that holds it (its worker id), for operators. */
  readonly owner: string;
  readonly expires: string;
}

export interface JobRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly type: string;
  /** The key given at enqueue: one job per (tenant, type, key). */
  readonly idempotencyKey?: string;
  readonly status: JobStatus;
  readonly input: JsonValue;
  readonly progress?: JobProgress;
  /** Where a runner that takes over resumes; written by renew(). */
  readonly checkpoint?: JsonValue;
  readonly result?: JsonValue;
  readonly error?: JobError;
  /** How many times the job was claimed (1 on its first run; more after takeovers and retries). */
  readonly attempts: number;
  /** cancel() was called while it ran: the runner sees it at its next renew() and ends the job as cancelled. */
  readonly cancelRequested: boolean;
  readonly created: string;
  /** Not claimed before this instant. */
  readonly runAfter: string;
  /** First claim. */
  readonly started?: string;
  readonly finished?: string;
  readonly updated: string;
  /** While running. The lease token itself is never part of a record: only its holder knows it. */
  readonly lease?: JobLease;
}

export interface NewJob {
  readonly id: string;
  readonly tenantId: string;
  readonly type: string;
  readonly input: JsonValue;
  readonly idempotencyKey?: string;
  readonly created: string;
  /** Default: `created`. */
  readonly runAfter?: string;
}

export interface JobClaim {
  /** Only jobs of these types (the ones the caller can run). */
  readonly types: readonly string[];
  readonly owner: string;
  /** A fresh random value per claim; every later call about this run must present it. */
  readonly token: string;
  readonly now: string;
  readonly leaseExpires: string;
}

export interface JobRenewal {
  readonly now: string;
  readonly leaseExpires: string;
  readonly progress?: JobProgress;
  readonly checkpoint?: JsonValue;
}

export type JobOutcome =
  | { readonly status: typeof JobStatus.succeeded; readonly now: string; readonly result?: JsonValue }
  | { readonly status: typeof JobStatus.failed; readonly now: string; readonly error: JobError }
  | { readonly status: typeof JobStatus.cancelled; readonly now: string };

/** A keyset position in a tenant's job list (newest first). */
export interface JobPosition {
  readonly created: string;
  readonly id: string;
}

export interface JobListOptions {
  readonly limit: number;
  readonly after?: JobPosition;
  readonly status?: JobStatus;
  readonly type?: string;
}

export interface JobStore {
  /**
   * Records a new queued job. With an idempotency key, a job of the same tenant, type and key that already exists
   * (whatever its status) is returned instead, with `created: false`, and nothing is written.
   */
  enqueue(job: NewJob): Promise<{ readonly job: JobRecord; readonly created: boolean }>;
  get(tenantId: string, id: string): Promise<JobRecord | null>;
  /** The tenant's jobs, newest first; `next` when more follow. */
  list(tenantId: string, options: JobListOptions): Promise<{ readonly jobs: JobRecord[]; readonly next?: JobPosition }>;
  /**
   * Takes the job that has been due longest, of the given types: a queued job whose runAfter has passed, or a running
   * job whose lease expired (a takeover). It becomes running under the claim's token, attempts + 1. Atomic: of
   * concurrent claims, each job goes to exactly one. Null when nothing is due.
   */
  claim(claim: JobClaim): Promise<JobRecord | null>;
  /** Extends the lease and records progress and checkpoint, if `token` still holds it; null when it does not. */
  renew(id: string, token: string, renewal: JobRenewal): Promise<JobRecord | null>;
  /** Ends the job, if `token` still holds its lease; null when it does not (the job is left as it is). */
  finish(id: string, token: string, outcome: JobOutcome): Promise<JobRecord | null>;
  /**
   * Gives the lease back, if `token` still holds it: the job is queued again, due at `runAfter`, keeping its progress
   * and checkpoint (shutdown, or a retry after a transient failure). Null when the token no longer holds it.
   */
  release(id: string, token: string, release: { readonly now: string; readonly runAfter: string; readonly error?: JobError }): Promise<JobRecord | null>;
  /**
   * A queued job is cancelled at once; a running one gets `cancelRequested` (its runner stops at its next renew);
   * a finished one is left as it is. Null when the tenant has no such job.
   */
  cancel(tenantId: string, id: string, now: string): Promise<JobRecord | null>;
  /** A failed or cancelled job is queued again (attempts, checkpoint and progress kept); others are left as they are. */
  retry(tenantId: string, id: string, now: string): Promise<JobRecord | null>;
  /** Deletes up to `limit` of the tenant's jobs that finished before `before`; returns how many. */
  purgeFinished(tenantId: string, before: string, limit: number): Promise<number>;
  /**
   * How many jobs of all tenants are queued and running: the backlog operators watch (the metrics). Reads only the
   * jobs that are not finished, through the index claims use, so its cost follows the backlog, not the history.
   */
  countActive(): Promise<{ readonly queued: number; readonly running: number }>;
}

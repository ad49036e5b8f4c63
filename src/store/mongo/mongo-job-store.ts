// JobStore on MongoDB (collection `jobs`). Every call is ONE single-document operation, so no multi-document
// transaction is needed (ARCHITECTURE "Store notes"):
//   - a claim is a findOneAndUpdate on { due <= now, type in types }, sorted by due: MongoDB applies it to one
//     document atomically, re-checking the filter at the write, so of concurrent claims each job goes to exactly one;
//   - renew, finish and release are findOneAndUpdates conditional on { _id, leaseToken, status: running };
//   - enqueue is an insert; the partial unique index on (tenantId, type, idempotencyKey) turns a second enqueue with
//     the same key into E11000, answered with the job that exists.
// `due` is when a job may be claimed: runAfter while queued, the lease expiry while running (an expired lease is
// due for takeover), absent once finished. JSON values are stored as text, like a resource's attributes
// (resource-document.ts): their keys may hold "." or "$".
import type { Collection, Filter } from 'mongodb';
import type { JsonValue } from '../json-value';
import { JobStatus, type JobError, type JobProgress, type JobRecord, type JobStore } from '../job-store';
import { StoreError } from '../store-error';
import { isDuplicateKey, whenReady } from './mongo-errors';

export interface JobDocument {
  readonly _id: string;
  readonly tenantId: string;
  readonly type: string;
  readonly idempotencyKey?: string;
  readonly status: JobStatus;
  readonly input: string;
  readonly progress?: JobProgress;
  readonly checkpoint?: string;
  readonly result?: string;
  readonly error?: JobError;
  readonly attempts: number;
  readonly cancelRequested: boolean;
  readonly created: string;
  readonly runAfter: string;
  readonly started?: string;
  readonly finished?: string;
  readonly updated: string;
  readonly leaseToken?: string;
  readonly leaseOwner?: string;
  readonly leaseExpires?: string;
  readonly due?: string;
}

export interface MongoJobStoreDeps {
  readonly jobs: Collection<JobDocument>;
  readonly ready: () => Promise<void>;
}

const AFTER = { returnDocument: 'after' } as const;
const LEASE_FIELDS = { leaseToken: '', leaseOwner: '', leaseExpires: '' } as const;

export function createMongoJobStore(deps: MongoJobStoreDeps): JobStore {
  const { jobs } = deps;
  const run = whenReady(deps.ready);
  const holding = (id: string, token: string): Filter<JobDocument> => ({ _id: id, leaseToken: token, status: JobStatus.running });
  const found = (document: JobDocument | null) => (document ? toJob(document) : null);

  return {
    async enqueue(job) {
      const runAfter = job.runAfter ?? job.created;
      const document: JobDocument = {
        _id: job.id,
        tenantId: job.tenantId,
        type: job.type,
        ...(job.idempotencyKey === undefined ? {} : { idempotencyKey: job.idempotencyKey }),
        status: JobStatus.queued,
        input: JSON.stringify(job.input),
        attempts: 0,
        cancelRequested: false,
        created: job.created,
        runAfter,
        updated: job.created,
        due: runAfter,
      };
      return run(async () => {
        try {
          await jobs.insertOne({ ...document });
          return { job: toJob(document), created: true };
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          if (job.idempotencyKey !== undefined) {
            const existing = await jobs.findOne({ tenantId: job.tenantId, type: job.type, idempotencyKey: job.idempotencyKey });
            if (existing) return { job: toJob(existing), created: false };
          }
          throw new StoreError('conflict', `Job ${job.id} already exists`, { attribute: 'id', cause: error });
        }
      });
    },

    async get(tenantId, id) {
      return run(async () => found(await jobs.findOne({ _id: id, tenantId })));
    },

    async list(tenantId, options) {
      return run(async () => {
        const filter: Filter<JobDocument> = {
          tenantId,
          ...(options.status === undefined ? {} : { status: options.status }),
          ...(options.type === undefined ? {} : { type: options.type }),
        };
        const query: Filter<JobDocument> = options.after
          ? { $and: [filter, { $or: [{ created: { $lt: options.after.created } }, { created: options.after.created, _id: { $lt: options.after.id } }] }] }
          : filter;
        const documents = await jobs.find(query, { sort: { created: -1, _id: -1 }, limit: options.limit + 1 }).toArray();
        const page = documents.slice(0, options.limit).map(toJob);
        const last = page[page.length - 1];
        return documents.length > options.limit && last ? { jobs: page, next: { created: last.created, id: last.id } } : { jobs: page };
      });
    },

    async claim(claim) {
      if (claim.types.length === 0) return null;
      return run(async () =>
        found(
          await jobs.findOneAndUpdate(
            { due: { $lte: claim.now }, type: { $in: [...claim.types] } },
            {
              $set: { status: JobStatus.running, leaseToken: claim.token, leaseOwner: claim.owner, leaseExpires: claim.leaseExpires, due: claim.leaseExpires, updated: claim.now },
              $min: { started: claim.now },
              $inc: { attempts: 1 },
            },
            { ...AFTER, sort: { due: 1, created: 1, _id: 1 } },
          ),
        ),
      );
    },

    async renew(id, token, renewal) {
      return run(async () =>
        found(
          await jobs.findOneAndUpdate(
            holding(id, token),
            {
              $set: {
                leaseExpires: renewal.leaseExpires,
                due: renewal.leaseExpires,
                updated: renewal.now,
                ...(renewal.progress === undefined ? {} : { progress: { ...renewal.progress } }),
                ...(renewal.checkpoint === undefined ? {} : { checkpoint: JSON.stringify(renewal.checkpoint) }),
              },
            },
            AFTER,
          ),
        ),
      );
    },

    async finish(id, token, outcome) {
      const result = outcome.status === JobStatus.succeeded && outcome.result !== undefined ? JSON.stringify(outcome.result) : undefined;
      const error = outcome.status === JobStatus.failed ? { ...outcome.error } : undefined;
      const ended = { status: outcome.status, finished: outcome.now, updated: outcome.now, ...(result === undefined ? {} : { result }), ...(error ? { error } : {}) };
      // What the outcome does not carry goes (an error a release recorded before a later success, for instance).
      const cleared: Record<string, ''> = { ...LEASE_FIELDS, due: '', ...(result === undefined ? { result: '' } : {}), ...(error ? {} : { error: '' }) };
      return run(async () => found(await jobs.findOneAndUpdate(holding(id, token), { $set: ended, $unset: cleared }, AFTER)));
    },

    async release(id, token, release) {
      return run(async () =>
        found(
          await jobs.findOneAndUpdate(
            holding(id, token),
            {
              $set: { status: JobStatus.queued, runAfter: release.runAfter, due: release.runAfter, updated: release.now, ...(release.error ? { error: { ...release.error } } : {}) },
              $unset: LEASE_FIELDS,
            },
            AFTER,
          ),
        ),
      );
    },

    async cancel(tenantId, id, now) {
      return run(async () => {
        // Queued: cancelled at once. Otherwise (claimed meanwhile, or running): the runner is asked to stop.
        const queued = await jobs.findOneAndUpdate(
          { _id: id, tenantId, status: JobStatus.queued },
          { $set: { status: JobStatus.cancelled, cancelRequested: true, finished: now, updated: now }, $unset: { due: '' } },
          AFTER,
        );
        if (queued) return toJob(queued);
        const running = await jobs.findOneAndUpdate({ _id: id, tenantId, status: JobStatus.running }, { $set: { cancelRequested: true, updated: now } }, AFTER);
        return running ? toJob(running) : found(await jobs.findOne({ _id: id, tenantId }));
      });
    },

    async retry(tenantId, id, now) {
      return run(async () => {
        const retried = await jobs.findOneAndUpdate(
          { _id: id, tenantId, status: { $in: [JobStatus.failed, JobStatus.cancelled] } },
          { $set: { status: JobStatus.queued, runAfter: now, due: now, updated: now, cancelRequested: false }, $unset: { finished: '', result: '', error: '' } },
          AFTER,
        );
        return retried ? toJob(retried) : found(await jobs.findOne({ _id: id, tenantId }));
      });
    },

    async purgeFinished(tenantId, before, limit) {
      return run(async () => {
        const ids = (await jobs.find({ tenantId, finished: { $lt: before } }, { projection: { _id: 1 }, limit }).toArray()).map((document) => document._id);
        if (ids.length === 0) return 0;
        return (await jobs.deleteMany({ _id: { $in: ids }, tenantId })).deletedCount;
      });
    },

    async countActive() {
      return run(async () => {
        // Finished jobs have no `due`: a range on it reads only the others, through jobs_due.
        const active = (status: JobStatus) => jobs.countDocuments({ due: { $gte: '' }, status });
        const [queued, running] = await Promise.all([active(JobStatus.queued), active(JobStatus.running)]);
        return { queued, running };
      });
    },
  };
}

function toJob(document: JobDocument): JobRecord {
  return {
    id: document._id,
    tenantId: document.tenantId,
    type: document.type,
    ...(document.idempotencyKey === undefined ? {} : { idempotencyKey: document.idempotencyKey }),
    status: document.status,
    input: JSON.parse(document.input) as JsonValue,
    ...(document.progress === undefined ? {} : { progress: progressOf(document.progress) }),
    ...(document.checkpoint === undefined ? {} : { checkpoint: JSON.parse(document.checkpoint) as JsonValue }),
    ...(document.result === undefined ? {} : { result: JSON.parse(document.result) as JsonValue }),
    ...(document.error === undefined ? {} : { error: errorOf(document.error) }),
    attempts: document.attempts,
    cancelRequested: document.cancelRequested,
    created: document.created,
    runAfter: document.runAfter,
    ...(document.started === undefined ? {} : { started: document.started }),
    ...(document.finished === undefined ? {} : { finished: document.finished }),
    updated: document.updated,
    ...(document.leaseOwner === undefined || document.leaseExpires === undefined ? {} : { lease: { owner: document.leaseOwner, expires: document.leaseExpires } }),
  };
}

function progressOf(progress: JobProgress): JobProgress {
  return progress.total === undefined ? { processed: progress.processed } : { processed: progress.processed, total: progress.total };
}

function errorOf(error: JobError): JobError {
  return error.code === undefined ? { message: error.message } : { message: error.message, code: error.code };
}

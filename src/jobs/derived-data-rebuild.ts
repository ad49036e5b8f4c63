// The rebuild of derived fields after a schema change, as a leased job (on MongoDB: see src/store/derived-data.ts).
// Every instance of the new version enqueues it at start-up under one idempotency key per model, so it exists once;
// its type names the model, so only instances running that model claim it (an older instance cannot rebuild for a
// newer model). It runs in batches, checkpointing the position after each, so a takeover resumes where the last
// runner stopped. Until it is done, /ready answers 503 on the instances of the new model (rebuildReadiness).
import type { DerivedDataMaintenance } from '../store/derived-data';
import { DerivedDataState } from '../store/derived-data';
import type { JsonValue } from '../store/json-value';
import { JobStatus, SYSTEM_TENANT_ID, type JobRecord, type JobStore } from '../store/job-store';
import { isStoreError, StoreErrorCode } from '../store/store-error';
import { JobFailure, type JobType } from './job-type';

/** Resources per batch: one read of the index and at most this many single-document writes between checkpoints. */
export const REBUILD_BATCH = 500;

export function rebuildJobType(model: string): string {
  return `rebuild-derived-data@${model.slice(-16)}`;
}

const idempotencyKeyOf = (model: string) => `model:${model}`;

export function derivedDataRebuildJob(port: DerivedDataMaintenance, batchSize = REBUILD_BATCH): JobType {
  return {
    type: rebuildJobType(port.model),
    leaseMs: 60_000,
    maxAttempts: 10,
    async run({ job, checkpoint }) {
      let position = (job.checkpoint as { after?: JsonValue } | undefined)?.after;
      let processed = job.progress?.processed ?? 0;
      let rebuilt = (job.checkpoint as { rebuilt?: number } | undefined)?.rebuilt ?? 0;
      const total = await port.countResources();
      for (;;) {
        let batch;
        try {
          batch = await port.rebuildBatch(position, batchSize);
        } catch (error) {
          if (isStoreError(error, StoreErrorCode.conflict)) throw new JobFailure(error.message, 'superseded');
          if (isStoreError(error)) throw error;
          // Stored data breaks a uniqueness of the new model: the message names the resource; retrying cannot help.
          throw new JobFailure(error instanceof Error ? error.message : String(error), 'invalid_data');
        }
        processed += batch.scanned;
        rebuilt += batch.rebuilt;
        if (batch.next === undefined) return { scanned: processed, rebuilt };
        position = batch.next;
        await checkpoint({ checkpoint: { after: position, rebuilt }, progress: { processed, total: Math.max(total, processed) } });
      }
    },
  };
}

/**
 * At start-up: makes sure the rebuild this instance's model needs is queued (once for all instances), and queues a
 * failed one again (the operator restarts after fixing its cause). Returns the job, or undefined when none is needed.
 */
export async function ensureRebuildQueued(port: DerivedDataMaintenance, jobs: Pick<JobStore, 'enqueue' | 'retry'>, now: Date, newId: () => string): Promise<JobRecord | undefined> {
  if ((await port.state()) !== DerivedDataState.rebuilding) return undefined;
  const { job } = await jobs.enqueue({
    id: newId(),
    tenantId: SYSTEM_TENANT_ID,
    type: rebuildJobType(port.model),
    input: { model: port.model },
    idempotencyKey: idempotencyKeyOf(port.model),
    created: now.toISOString(),
  });
  if (job.status === JobStatus.failed || job.status === JobStatus.cancelled) return (await jobs.retry(SYSTEM_TENANT_ID, job.id, now.toISOString())) ?? job;
  return job;
}

export type Readiness = { readonly ready: true; readonly note?: string } | { readonly ready: false; readonly detail: string };

/** What /ready says about derived data: 503 while this instance's model is being rebuilt for, with the progress. */
export async function rebuildReadiness(port: DerivedDataMaintenance, jobs: Pick<JobStore, 'list'>): Promise<Readiness> {
  const state = await port.state();
  if (state === DerivedDataState.current) return { ready: true };
  if (state === DerivedDataState.outdated) {
    return {
      ready: true,
      note: 'A newer server version changed the schema model: this instance serves reads, and refuses (503) writes to resources already rebuilt for the newer model; replace it with the current version',
    };
  }
  const type = rebuildJobType(port.model);
  const [job] = (await jobs.list(SYSTEM_TENANT_ID, { limit: 1, type })).jobs;
  const what = "Stored resources are being rebuilt for this server's schemas";
  if (!job || job.status === JobStatus.queued) {
    return { ready: false, detail: `${what}: the rebuild job is waiting for a worker (SCIM_WORKERS=on on at least one instance of this version)` };
  }
  if (job.status === JobStatus.failed || job.status === JobStatus.cancelled) {
    return {
      ready: false,
      detail: `${what}, but the rebuild job ${job.status}: ${job.error?.message ?? 'cancelled by an operator'}. Fix the cause, then run \`npm run admin -- job retry system ${job.id}\` (or restart an instance)`,
    };
  }
  const progress = job.progress ? `${job.progress.processed}${job.progress.total === undefined ? '' : ` of ${job.progress.total}`} resources so far` : 'starting';
  return { ready: false, detail: `${what}: ${progress} (job ${job.id}); this instance reports ready when it is done` };
}

// What a kind of background work declares to the worker host (worker-host.ts): its type name and how to run one job
// of it. The host claims the job (a lease in the store), gives `run` a context, and turns what `run` does into the
// job's outcome:
//   - returns a value            -> succeeded, with that value as the result;
//   - throws JobFailure          -> failed, with the failure's message and code (people read these: no secrets);
//   - throws RetryLater          -> queued again after the delay, keeping the checkpoint;
//   - throws anything else       -> failed as an internal error (the cause goes to the log only);
//   - the host stops meanwhile   -> the lease is released with the last checkpoint, for another instance (or this one
//                                   after a restart) to resume at once.
// A job must resume from `job.checkpoint` (absent on the first run): after a takeover, work done since the last
// checkpoint is done again, so what a job does between two checkpoints must be safe to repeat.
import type { JsonValue } from '../store/json-value';
import type { JobProgress, JobRecord } from '../store/job-store';

export interface WorkerLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface JobContext {
  /** The job as claimed: its input, and the checkpoint of the previous run when this is a takeover or a retry. */
  readonly job: JobRecord;
  /**
   * Aborted when the job must stop: the host is shutting down, the lease was lost, or the job was cancelled. Long
   * waits should listen to it; checkpoint() throws JobInterrupted once it is aborted.
   */
  readonly signal: AbortSignal;
  readonly clock: () => Date;
  readonly logger: WorkerLogger;
  /**
   * Records progress and where to resume, and extends the lease. Throws JobInterrupted (after saving) when the job
   * must stop; let it propagate.
   */
  checkpoint(update: { readonly checkpoint?: JsonValue; readonly progress?: JobProgress }): Promise<void>;
}

export interface JobType {
  readonly type: string;
  /** Claims (first run, takeovers, retries) before the job is failed as given up (default 5). */
  readonly maxAttempts?: number;
  /** How long a claim lasts without a heartbeat (default 30 s); the host renews it every third of that. */
  readonly leaseMs?: number;
  run(context: JobContext): Promise<JsonValue | undefined>;
}

/** A failure a person can act on: it becomes the job's error as written. */
export class JobFailure extends Error {
  constructor(
    message: string,
    readonly code = 'failed',
  ) {
    super(message);
    this.name = 'JobFailure';
  }
}

/** A transient failure: the job is queued again after `delayMs`, from its last checkpoint. */
export class RetryLater extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'RetryLater';
  }
}

export const InterruptReason = { stopping: 'stopping', leaseLost: 'lease_lost', cancelled: 'cancelled' } as const;
export type InterruptReason = (typeof InterruptReason)[keyof typeof InterruptReason];

/** Thrown by JobContext.checkpoint() when the job must stop; the host decides what becomes of the job. */
export class JobInterrupted extends Error {
  constructor(readonly reason: InterruptReason) {
    super(`The job was interrupted: ${reason}`);
    this.name = 'JobInterrupted';
  }
}

// Runs one claimed job to its outcome (see job-type.ts for what a job type's `run` may do): heartbeats while it runs,
// checkpoints when it asks, and ends the job in the store with the token of its lease. Every store call about the job
// is conditional on that token, so a runner whose lease was taken over changes nothing.
import type { JobRecord, JobStore } from '../store/job-store';
import { isStoreError, StoreErrorCode } from '../store/store-error';
import { retryDelayMs } from './backoff';
import { InterruptReason, JobFailure, JobInterrupted, RetryLater, type JobContext, type JobType, type WorkerLogger } from './job-type';

export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_MAX_ATTEMPTS = 5;

export interface WorkerTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface JobRunnerDeps {
  readonly jobs: Pick<JobStore, 'renew' | 'finish' | 'release'>;
  readonly clock: () => Date;
  readonly logger: WorkerLogger;
  readonly timers: WorkerTimers;
  readonly random?: () => number;
}

const plus = (now: Date, ms: number) => new Date(now.getTime() + ms).toISOString();

/**
 * Runs `job` (claimed with `token`) with its type. Resolves when the job has an outcome in the store, or when the
 * lease was lost; never rejects for what the job does (that is the job's outcome), only never at all.
 */
export async function runClaimedJob(deps: JobRunnerDeps, type: JobType, job: JobRecord, token: string, stopping: AbortSignal): Promise<void> {
  const { jobs, clock, logger } = deps;
  const leaseMs = type.leaseMs ?? DEFAULT_LEASE_MS;
  const maxAttempts = type.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const log = { jobId: job.id, type: job.type, tenantId: job.tenantId, attempt: job.attempts };
  const finish = async (outcome: Parameters<JobStore['finish']>[2]) => {
    if (!(await jobs.finish(job.id, token, outcome))) logger.warn(log, 'job lease lost before its outcome was recorded');
  };

  if (job.cancelRequested) {
    await finish({ status: 'cancelled', now: clock().toISOString() });
    return;
  }
  if (job.attempts > maxAttempts) {
    // Earlier runs ended without an outcome (their instance died or lost the lease each time): a job that keeps
    // killing its runner must not be retried for ever.
    await finish({
      status: 'failed',
      now: clock().toISOString(),
      error: { message: `Gave up after ${maxAttempts} attempts that did not finish (each run stopped before the job ended)`, code: 'gave_up' },
    });
    return;
  }

  const controller = new AbortController();
  let interrupt: InterruptReason | undefined;
  const stop = (reason: InterruptReason) => {
    interrupt ??= reason;
    controller.abort(new JobInterrupted(reason));
  };
  const onStopping = () => stop(InterruptReason.stopping);
  if (stopping.aborted) onStopping();
  stopping.addEventListener('abort', onStopping);

  const renew = async (update: Parameters<JobContext['checkpoint']>[0]) => {
    const now = clock();
    const renewed = await jobs.renew(job.id, token, { now: now.toISOString(), leaseExpires: plus(now, leaseMs), ...update });
    if (!renewed) stop(InterruptReason.leaseLost);
    else if (renewed.cancelRequested) stop(InterruptReason.cancelled);
  };
  const heartbeat = deps.timers.setInterval(() => {
    if (controller.signal.aborted) return;
    renew({}).catch((error: unknown) => logger.warn({ ...log, err: error }, 'job heartbeat failed; retrying at the next one'));
  }, Math.max(1, Math.floor(leaseMs / 3)));

  const context: JobContext = {
    job,
    signal: controller.signal,
    clock,
    logger,
    async checkpoint(update) {
      // Saved even when the job must stop: the next runner resumes from here.
      if (interrupt !== InterruptReason.leaseLost) await renew(update);
      if (interrupt) throw new JobInterrupted(interrupt);
    },
  };

  try {
    const result = await type.run(context);
    if (interrupt === InterruptReason.leaseLost) {
      logger.warn(log, 'job finished after its lease was taken over; its outcome is left to the new runner');
      return;
    }
    await finish({ status: 'succeeded', now: clock().toISOString(), ...(result === undefined ? {} : { result }) });
    logger.info(log, 'job succeeded');
  } catch (error) {
    await settleFailure(error);
  } finally {
    deps.timers.clearInterval(heartbeat);
    stopping.removeEventListener('abort', onStopping);
  }

  async function settleFailure(error: unknown): Promise<void> {
    const now = clock();
    const reason = error instanceof JobInterrupted ? error.reason : interrupt;
    if (reason === InterruptReason.leaseLost) {
      logger.warn(log, 'job lease lost (another instance took the job over); stopped');
    } else if (reason === InterruptReason.cancelled) {
      await finish({ status: 'cancelled', now: now.toISOString() });
      logger.info(log, 'job cancelled');
    } else if (reason === InterruptReason.stopping) {
      // Shutdown: back to the queue at once, with its checkpoint, for whichever instance claims it next.
      if (!(await jobs.release(job.id, token, { now: now.toISOString(), runAfter: now.toISOString() }))) logger.warn(log, 'job lease lost during shutdown');
      else logger.info(log, 'job released at shutdown; it resumes from its last checkpoint');
    } else if (error instanceof RetryLater) {
      await jobs.release(job.id, token, { now: now.toISOString(), runAfter: plus(now, error.delayMs), error: { message: error.message, code: 'retry' } });
      logger.warn({ ...log, delayMs: error.delayMs }, `job will be retried: ${error.message}`);
    } else if (error instanceof JobFailure) {
      await finish({ status: 'failed', now: now.toISOString(), error: { message: error.message, code: error.code } });
      logger.warn({ ...log, code: error.code }, `job failed: ${error.message}`);
    } else if (isStoreError(error, StoreErrorCode.unavailable)) {
      // The database went away mid-job: try again later from the checkpoint (the lease may also simply expire).
      const delayMs = retryDelayMs(job.attempts, { random: deps.random });
      await jobs.release(job.id, token, { now: now.toISOString(), runAfter: plus(now, delayMs), error: { message: 'The store was unavailable; the job will be retried', code: 'unavailable' } }).catch(() => undefined);
      logger.warn({ ...log, err: error, delayMs }, 'job interrupted by an unavailable store; it will be retried');
    } else {
      await finish({ status: 'failed', now: now.toISOString(), error: { message: 'The job failed with an internal error; the server log has the details', code: 'internal' } });
      logger.error({ ...log, err: error }, 'job failed with an internal error');
    }
  }
}

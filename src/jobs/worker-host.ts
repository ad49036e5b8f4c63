// The worker host: one per server process (started by src/main.ts unless SCIM_WORKERS=off). It claims and runs jobs of
// the types registered with it, delivers the outbox topics registered with it, and enqueues recurring jobs.
//
// Idle cost. When a round finds nothing to do, the host waits before the next one, doubling the wait from
// `pollMinMs` up to `pollMaxMs` (a claim that finds nothing is one indexed read, which takes no write lock on the
// embedded store); any work found resets the wait, and wake() (a job enqueued by this process) ends it at once. It
// never polls in a tight loop, so an idle server spends nothing measurable on it.
//
// Several hosts on one store. Claims are atomic in the store (job-store.ts, outbox-store.ts), so each job runs on one
// host at a time and each outbox message goes to one; a host that dies leaves its jobs to be taken over when their
// leases expire. stop() (on SIGTERM, before the store closes) interrupts running jobs, which checkpoint and release
// their leases, so that another instance resumes them at once.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { JsonValue } from '../store/json-value';
import { SYSTEM_TENANT_ID, type JobStore } from '../store/job-store';
import type { OutboxStore } from '../store/outbox-store';
import { DEFAULT_LEASE_MS, runClaimedJob, type WorkerTimers } from './job-runner';
import type { JobType, WorkerLogger } from './job-type';
import { relayOutboxBatch } from './outbox-relay';
import type { OutboxTopic } from './outbox-topic';

/** Work every instance does on its own now and then (cheap, idempotent, safe to run on several at once). */
export interface PeriodicTask {
  readonly name: string;
  readonly everyMs: number;
  run(now: Date): Promise<unknown>;
}

export interface Schedule {
  /** A registered job type, enqueued (for the whole server) once per `everyMs` across all instances. */
  readonly type: string;
  readonly everyMs: number;
  readonly input?: JsonValue;
}

export interface WorkerHostOptions {
  readonly jobs: JobStore;
  readonly outbox: OutboxStore;
  readonly logger: WorkerLogger;
  readonly clock?: () => Date;
  /** Names this instance in job leases (default `<hostname>:<random>`). */
  readonly workerId?: string;
  /** Jobs run at the same time by this host (default 2). */
  readonly concurrency?: number;
  /** Outbox messages claimed per round (default 50). */
  readonly outboxBatch?: number;
  /** First and longest wait between idle rounds (defaults 250 ms and 2000 ms). */
  readonly pollMinMs?: number;
  readonly pollMaxMs?: number;
  readonly timers?: WorkerTimers & { setTimeout(callback: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
  readonly random?: () => number;
  readonly newId?: () => string;
}

export interface WorkerHost {
  readonly workerId: string;
  registerJobType(type: JobType): void;
  registerOutboxTopic(topic: OutboxTopic): void;
  schedule(schedule: Schedule): void;
  /** Runs `task` in this instance's rounds, at most once per `everyMs` (failures are logged and tried again next time). */
  every(task: PeriodicTask): void;
  /** Starts the loop (once). */
  start(): void;
  /** Ends the current wait: a job or message was just added by this process. */
  wake(): void;
  /**
   * One round, as the loop makes it (recurring jobs, claims up to the concurrency, one outbox batch), waiting for the
   * jobs it started. Resolves to whether it found work. For tests, which drive the host with an injected clock.
   */
  runOnce(): Promise<boolean>;
  /** Stops claiming, interrupts running jobs (they checkpoint and release their leases) and waits for them, at most `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

const realTimers = {
  setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
  setInterval: (callback: () => void, ms: number) => setInterval(callback, ms).unref(),
  clearInterval: (handle: unknown) => clearInterval(handle as NodeJS.Timeout),
};

export function createWorkerHost(options: WorkerHostOptions): WorkerHost {
  const { jobs, outbox, logger } = options;
  const clock = options.clock ?? (() => new Date());
  const timers = options.timers ?? realTimers;
  const newId = options.newId ?? randomUUID;
  const workerId = options.workerId ?? `${hostname()}:${newId().slice(0, 8)}`;
  const concurrency = options.concurrency ?? 2;
  const outboxBatch = options.outboxBatch ?? 50;
  const pollMinMs = options.pollMinMs ?? 250;
  const pollMaxMs = options.pollMaxMs ?? 2000;

  const types = new Map<string, JobType>();
  const topics = new Map<string, OutboxTopic>();
  const schedules: { schedule: Schedule; enqueuedFor?: number }[] = [];
  const periodic: { task: PeriodicTask; lastRun?: number }[] = [];
  const running = new Set<Promise<void>>();
  const stopping = new AbortController();
  let loop: Promise<void> | undefined;
  let endWait: (() => void) | undefined;

  const runJob = (type: JobType, job: Parameters<typeof runClaimedJob>[2], token: string) => {
    const run = runClaimedJob({ jobs, clock, logger, timers, random: options.random }, type, job, token, stopping.signal)
      .catch((error: unknown) => logger.error({ err: error, jobId: job.id, type: job.type }, 'could not record the outcome of a job; its lease will expire and it will run again'))
      .finally(() => {
        running.delete(run);
        // A slot is free: look for more work now rather than after the idle wait.
        endWait?.();
      });
    running.add(run);
    return run;
  };

  const enqueueSchedules = async () => {
    const now = clock();
    for (const entry of schedules) {
      // One job per period for the whole deployment: the period's start is the idempotency key.
      const period = Math.floor(now.getTime() / entry.schedule.everyMs);
      if (entry.enqueuedFor === period) continue;
      const periodStart = new Date(period * entry.schedule.everyMs).toISOString();
      await jobs.enqueue({
        id: newId(),
        tenantId: SYSTEM_TENANT_ID,
        type: entry.schedule.type,
        input: entry.schedule.input ?? null,
        idempotencyKey: `${entry.schedule.type}@${periodStart}`,
        created: now.toISOString(),
      });
      entry.enqueuedFor = period;
    }
  };

  /** Claims jobs while slots are free; returns the runs it started. */
  const claimJobs = async (): Promise<Promise<void>[]> => {
    const started: Promise<void>[] = [];
    while (running.size < concurrency && types.size > 0 && !stopping.signal.aborted) {
      const now = clock();
      const token = newId();
      // The longest lease of the registered types; each run renews with its own type's lease from then on.
      const leaseMs = Math.max(...[...types.values()].map((type) => type.leaseMs ?? DEFAULT_LEASE_MS));
      const job = await jobs.claim({ types: [...types.keys()], owner: workerId, token, now: now.toISOString(), leaseExpires: new Date(now.getTime() + leaseMs).toISOString() });
      if (!job) break;
      logger.info({ jobId: job.id, type: job.type, tenantId: job.tenantId, attempt: job.attempts, takeover: job.attempts > 1 }, 'job claimed');
      started.push(runJob(types.get(job.type)!, job, token));
    }
    return started;
  };

  const runPeriodic = async () => {
    const now = clock();
    for (const entry of periodic) {
      if (entry.lastRun !== undefined && now.getTime() - entry.lastRun < entry.task.everyMs) continue;
      entry.lastRun = now.getTime();
      try {
        await entry.task.run(now);
      } catch (error) {
        logger.warn({ err: error, task: entry.task.name }, 'periodic task failed; it runs again next time');
      }
    }
  };

  const round = async (): Promise<{ found: boolean; busy: boolean; started: Promise<void>[] }> => {
    await enqueueSchedules();
    await runPeriodic();
    const started = await claimJobs();
    const delivered = stopping.signal.aborted ? 0 : await relayOutboxBatch({ outbox, topics, clock, logger, newToken: newId, random: options.random }, outboxBatch, stopping.signal);
    // A full outbox batch or a job started: more may be waiting right now. A partial batch means the outbox is
    // drained: the next round waits a little, so that messages arriving under steady load are delivered in batches
    // (one store write for many) rather than one round per message.
    return { found: started.length > 0 || delivered > 0, busy: started.length > 0 || delivered >= outboxBatch, started };
  };

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = timers.setTimeout(() => {
        endWait = undefined;
        resolve();
      }, ms);
      endWait = () => {
        timers.clearTimeout(timer);
        endWait = undefined;
        resolve();
      };
    });

  const run = async () => {
    let idleMs = 0;
    while (!stopping.signal.aborted) {
      let found = false;
      let busy = false;
      try {
        ({ found, busy } = await round());
      } catch (error) {
        logger.warn({ err: error }, 'worker round failed (is the store reachable?); trying again after a pause');
      }
      if (stopping.signal.aborted) break;
      if (busy) idleMs = 0;
      else if (found) idleMs = pollMinMs;
      else idleMs = Math.min(pollMaxMs, idleMs === 0 ? pollMinMs : idleMs * 2);
      if (idleMs > 0) await wait(idleMs);
    }
  };

  return {
    workerId,
    registerJobType(type) {
      if (types.has(type.type)) throw new Error(`Job type ${type.type} is registered twice`);
      types.set(type.type, type);
    },
    registerOutboxTopic(topic) {
      if (topics.has(topic.topic)) throw new Error(`Outbox topic ${topic.topic} is registered twice`);
      topics.set(topic.topic, topic);
    },
    every(task) {
      periodic.push({ task });
    },
    schedule(schedule) {
      if (!types.has(schedule.type)) throw new Error(`Cannot schedule ${schedule.type}: no such job type is registered`);
      schedules.push({ schedule });
    },
    start() {
      loop ??= run();
    },
    wake() {
      endWait?.();
    },
    async runOnce() {
      const { found, started } = await round();
      await Promise.all(started);
      return found;
    },
    async stop(timeoutMs = 10_000) {
      stopping.abort();
      endWait?.();
      let timer: unknown;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = timers.setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const settled = await Promise.race([Promise.all([loop, ...running]).then(() => 'done' as const), timeout]);
      timers.clearTimeout(timer);
      if (settled === 'timeout') logger.warn({ running: running.size }, 'jobs still running at the shutdown deadline; their leases will expire and another instance takes them over');
    },
  };
}

// The worker host on real embedded stores (two stores on one file stand for two instances), driven with an injected
// clock and hand-fired timers: nothing here sleeps to make time pass.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobFailure, RetryLater, type JobType, type WorkerLogger } from '../../../src/jobs/job-type';
import { DeliveryFailure, type OutboxTopic } from '../../../src/jobs/outbox-topic';
import { createJobQueue } from '../../../src/jobs/job-queue';
import { createWorkerHost, type WorkerHost, type WorkerHostOptions } from '../../../src/jobs/worker-host';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import type { JsonValue } from '../../../src/store/json-value';
import type { OutboxMessage } from '../../../src/store/outbox-store';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../src/store/tenant-store';
import { manualTimers, settle, type ManualTimers } from './manual-timers';

const registry = loadBuiltinRegistry();
const T0 = Date.parse('2025-01-01T00:00:00.000Z');

interface Logged {
  readonly level: string;
  readonly message: string;
  readonly details: object;
}

function recordingLogger(): WorkerLogger & { lines: Logged[] } {
  const lines: Logged[] = [];
  return {
    lines,
    info: (details, message) => lines.push({ level: 'info', message, details }),
    warn: (details, message) => lines.push({ level: 'warn', message, details }),
    error: (details, message) => lines.push({ level: 'error', message, details }),
  };
}

/** A deferred step: the job waits on it until the test opens it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/**
 * A job of `steps` steps that records each step it does (job, step, worker) and checkpoints after each one, resuming
 * from its checkpoint; a step with a gate waits for the test to open it.
 */
function stepsJob(record: { jobId: string; step: number; worker: string }[], gates: Map<string, ReturnType<typeof gate>>, worker: string, extra: Partial<JobType> = {}): JobType {
  return {
    type: 'steps',
    async run({ job, checkpoint }) {
      const { steps } = job.input as { steps: number };
      for (let step = (job.checkpoint as { next?: number } | undefined)?.next ?? 0; step < steps; step++) {
        await gates.get(`${job.id}:${step}`)?.opened;
        record.push({ jobId: job.id, step, worker });
        await checkpoint({ checkpoint: { next: step + 1 }, progress: { processed: step + 1, total: steps } });
      }
      return { steps } as JsonValue;
    },
    ...extra,
  };
}

describe('worker host', () => {
  let directory: string;
  let stores: Store[];
  let now: number;
  const clock = () => new Date(now);

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'scim-worker-host-'));
    stores = [];
    now = T0;
  });
  afterEach(async () => {
    for (const store of stores) await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /** A store on the shared file: each call is another instance's connection. */
  const instance = () => {
    const store = createSqliteStore({ path: join(directory, 'scim.db'), registry });
    stores.push(store);
    return store;
  };

  let ids = 0;
  const host = (store: Store, name: string, extra: Partial<WorkerHostOptions> = {}): WorkerHost & { logger: ReturnType<typeof recordingLogger>; timers: ManualTimers } => {
    const logger = recordingLogger();
    const timers = manualTimers();
    const worker = createWorkerHost({ jobs: store.jobs, outbox: store.outbox, logger, clock, timers, workerId: name, random: () => 0.5, newId: () => `${name}-${++ids}`, ...extra });
    return Object.assign(worker, { logger, timers });
  };
  const enqueue = (store: Store, id: string, input: JsonValue, extra: { tenantId?: string; type?: string } = {}) =>
    store.jobs.enqueue({ id, tenantId: extra.tenantId ?? 't1', type: extra.type ?? 'steps', input, created: new Date(now).toISOString() });

  describe('jobs', () => {
    it('runs a registered job to success, recording progress, checkpoint and result; leaves other types alone', async () => {
      const store = instance();
      const record: { jobId: string; step: number; worker: string }[] = [];
      const worker = host(store, 'a');
      worker.registerJobType(stepsJob(record, new Map(), 'a'));
      await enqueue(store, 'j1', { steps: 3 });
      await enqueue(store, 'other', {}, { type: 'not-registered-here' });

      expect(await worker.runOnce()).toBe(true);
      expect(record.map((entry) => entry.step)).toEqual([0, 1, 2]);
      expect(await store.jobs.get('t1', 'j1')).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        result: { steps: 3 },
        progress: { processed: 3, total: 3 },
        checkpoint: { next: 3 },
        finished: new Date(T0).toISOString(),
      });
      expect(await store.jobs.get('t1', 'other')).toMatchObject({ status: 'queued', attempts: 0 });
      expect(await worker.runOnce()).toBe(false);
    });

    it('turns a JobFailure into the job error, an unexpected error into an internal one (logged), and RetryLater into a later run', async () => {
      const store = instance();
      const worker = host(store, 'a');
      let calls = 0;
      worker.registerJobType({
        type: 'fails',
        async run({ job }) {
          calls += 1;
          const { how } = job.input as { how: string };
          if (how === 'failure') throw new JobFailure('The file is not an export of this server', 'bad_file');
          if (how === 'internal') throw new Error('disk quota exceeded at /var/secret/path');
          if (how === 'later' && job.attempts === 1) throw new RetryLater('the receiver is busy', 60_000);
          return 'done';
        },
      });
      await enqueue(store, 'failure', { how: 'failure' }, { type: 'fails' });
      await enqueue(store, 'internal', { how: 'internal' }, { type: 'fails' });
      await enqueue(store, 'later', { how: 'later' }, { type: 'fails' });
      await worker.runOnce();
      await worker.runOnce();

      expect(await store.jobs.get('t1', 'failure')).toMatchObject({ status: 'failed', error: { message: 'The file is not an export of this server', code: 'bad_file' } });
      const internal = await store.jobs.get('t1', 'internal');
      expect(internal).toMatchObject({ status: 'failed', error: { message: 'The job failed with an internal error; the server log has the details', code: 'internal' } });
      expect(JSON.stringify(internal)).not.toContain('/var/secret');
      expect(worker.logger.lines.find((line) => line.level === 'error')).toMatchObject({ message: 'job failed with an internal error', details: { jobId: 'internal' } });

      expect(await store.jobs.get('t1', 'later')).toMatchObject({ status: 'queued', runAfter: new Date(T0 + 60_000).toISOString(), error: { code: 'retry' } });
      expect(await worker.runOnce()).toBe(false);
      now += 60_000;
      await worker.runOnce();
      expect(await store.jobs.get('t1', 'later')).toMatchObject({ status: 'succeeded', attempts: 2, result: 'done' });
      expect(calls).toBe(4);
    });

    it('runs each job once when two instances work on one store', async () => {
      const [storeA, storeB] = [instance(), instance()];
      const record: { jobId: string; step: number; worker: string }[] = [];
      const [a, b] = [host(storeA, 'a'), host(storeB, 'b')];
      a.registerJobType(stepsJob(record, new Map(), 'a'));
      b.registerJobType(stepsJob(record, new Map(), 'b'));
      for (let i = 0; i < 12; i++) await enqueue(storeA, `j${String(i).padStart(2, '0')}`, { steps: 1 });
      for (let round = 0; round < 8; round++) await Promise.all([a.runOnce(), b.runOnce()]);

      const jobIds = record.map((entry) => entry.jobId);
      expect(jobIds.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `j${String(i).padStart(2, '0')}`));
      expect(new Set(record.map((entry) => entry.worker))).toEqual(new Set(['a', 'b']));
      const listed = await storeB.jobs.list('t1', { limit: 20 });
      expect(listed.jobs.every((job) => job.status === 'succeeded' && job.attempts === 1)).toBe(true);
    });

    it('takes over a job whose instance died, from its last checkpoint, once the lease expired; the old run is locked out', async () => {
      const [storeA, storeB] = [instance(), instance()];
      const record: { jobId: string; step: number; worker: string }[] = [];
      const gatesA = new Map([['j1:2', gate()]]);
      const a = host(storeA, 'a');
      const b = host(storeB, 'b');
      a.registerJobType(stepsJob(record, gatesA, 'a'));
      b.registerJobType(stepsJob(record, new Map(), 'b'));
      await enqueue(storeA, 'j1', { steps: 4 });

      // Instance a does steps 0 and 1, then hangs before step 2 (as good as dead: nothing renews its lease).
      const runA = a.runOnce();
      await settle();
      expect(record).toEqual([
        { jobId: 'j1', step: 0, worker: 'a' },
        { jobId: 'j1', step: 1, worker: 'a' },
      ]);
      expect(await b.runOnce()).toBe(false);

      now += 30_000;
      await b.runOnce();
      expect(record.slice(2)).toEqual([
        { jobId: 'j1', step: 2, worker: 'b' },
        { jobId: 'j1', step: 3, worker: 'b' },
      ]);
      const taken = await storeB.jobs.get('t1', 'j1');
      expect(taken).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(taken).not.toHaveProperty('lease');

      // a wakes up: its step 2 happens, but its checkpoint finds the lease gone and it stops without an outcome.
      gatesA.get('j1:2')!.open();
      await runA;
      expect(record.slice(4)).toEqual([{ jobId: 'j1', step: 2, worker: 'a' }]);
      expect(a.logger.lines.map((line) => line.message)).toContain('job lease lost (another instance took the job over); stopped');
      expect(await storeA.jobs.get('t1', 'j1')).toMatchObject({ status: 'succeeded', attempts: 2, result: { steps: 4 } });
    });

    it('renews the lease with heartbeats while a long step runs, so nobody takes the job over', async () => {
      const [storeA, storeB] = [instance(), instance()];
      const record: { jobId: string; step: number; worker: string }[] = [];
      const gates = new Map([['j1:0', gate()]]);
      const a = host(storeA, 'a');
      const b = host(storeB, 'b');
      a.registerJobType(stepsJob(record, gates, 'a'));
      b.registerJobType(stepsJob(record, new Map(), 'b'));
      await enqueue(storeA, 'j1', { steps: 1 });
      const runA = a.runOnce();
      await settle();
      for (let i = 0; i < 5; i++) {
        now += 10_000;
        a.timers.fireIntervals();
        await settle();
        expect(await b.runOnce()).toBe(false);
      }
      gates.get('j1:0')!.open();
      await runA;
      expect(record).toEqual([{ jobId: 'j1', step: 0, worker: 'a' }]);
      expect(await storeA.jobs.get('t1', 'j1')).toMatchObject({ status: 'succeeded', attempts: 1 });
    });

    it('on stop, interrupts a running job at its next checkpoint and releases it for another instance at once', async () => {
      const [storeA, storeB] = [instance(), instance()];
      const record: { jobId: string; step: number; worker: string }[] = [];
      const gates = new Map([['j1:1', gate()]]);
      const a = host(storeA, 'a');
      const b = host(storeB, 'b');
      a.registerJobType(stepsJob(record, gates, 'a'));
      b.registerJobType(stepsJob(record, new Map(), 'b'));
      await enqueue(storeA, 'j1', { steps: 3 });
      a.start();
      await settle();
      expect(record).toEqual([{ jobId: 'j1', step: 0, worker: 'a' }]);

      const stopped = a.stop(10_000);
      gates.get('j1:1')!.open();
      await stopped;
      // Step 1 was done and checkpointed, then the job gave its lease back.
      const released = await storeA.jobs.get('t1', 'j1');
      expect(released).toMatchObject({ status: 'queued', checkpoint: { next: 2 }, attempts: 1 });
      expect(released).not.toHaveProperty('lease');
      expect(a.logger.lines.map((line) => line.message)).toContain('job released at shutdown; it resumes from its last checkpoint');

      await b.runOnce();
      expect(record.slice(2)).toEqual([{ jobId: 'j1', step: 2, worker: 'b' }]);
      expect(await storeB.jobs.get('t1', 'j1')).toMatchObject({ status: 'succeeded', attempts: 2 });
    });

    it('ends a running job as cancelled at its next checkpoint after cancel', async () => {
      const store = instance();
      const record: { jobId: string; step: number; worker: string }[] = [];
      const gates = new Map([['j1:1', gate()]]);
      const a = host(store, 'a');
      a.registerJobType(stepsJob(record, gates, 'a'));
      await enqueue(store, 'j1', { steps: 5 });
      const run = a.runOnce();
      await settle();
      await store.jobs.cancel('t1', 'j1', new Date(now).toISOString());
      gates.get('j1:1')!.open();
      await run;
      expect(record.map((entry) => entry.step)).toEqual([0, 1]);
      expect(await store.jobs.get('t1', 'j1')).toMatchObject({ status: 'cancelled', checkpoint: { next: 2 } });
    });

    it('gives up on a job whose runs keep dying before an outcome', async () => {
      const store = instance();
      const a = host(store, 'a');
      a.registerJobType({ type: 'steps', maxAttempts: 2, run: async () => 'never reached' });
      await enqueue(store, 'j1', { steps: 1 });
      // Two runs that died (claims nobody finished), each lease left to expire.
      for (let i = 0; i < 2; i++) {
        await store.jobs.claim({ types: ['steps'], owner: 'dead', token: `dead-${i}`, now: new Date(now).toISOString(), leaseExpires: new Date(now + 1000).toISOString() });
        now += 1000;
      }
      await a.runOnce();
      expect(await store.jobs.get('t1', 'j1')).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'gave_up' } });
    });
  });

  describe('outbox', () => {
    const collecting = (delivered: string[], fail?: (message: OutboxMessage) => Error | undefined): OutboxTopic => ({
      topic: 'webhook',
      maxAttempts: 3,
      async deliver(message) {
        const error = fail?.(message);
        if (error) throw error;
        delivered.push(message.key);
      },
    });

    it('delivers each message once across two instances, in the order appended', async () => {
      const [storeA, storeB] = [instance(), instance()];
      const delivered: string[] = [];
      const [a, b] = [host(storeA, 'a', { outboxBatch: 3 }), host(storeB, 'b', { outboxBatch: 3 })];
      a.registerOutboxTopic(collecting(delivered));
      b.registerOutboxTopic(collecting(delivered));
      const queue = createJobQueue({ jobs: storeA.jobs, outbox: storeA.outbox, clock });
      expect(await queue.appendOutbox('t1', Array.from({ length: 10 }, (_, i) => ({ topic: 'webhook', key: `k${i}`, payload: { i } })))).toBe(10);
      // Appended again after a crash: nothing new.
      expect(await queue.appendOutbox('t1', [{ topic: 'webhook', key: 'k0', payload: { i: 0 } }])).toBe(0);
      for (let round = 0; round < 5; round++) await Promise.all([a.runOnce(), b.runOnce()]);
      expect([...delivered].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`).sort());
      expect((await storeA.outbox.list('t1', { limit: 20, status: 'delivered' })).length).toBe(10);
    });

    it('retries a failed delivery with backoff and dead-letters it after the last attempt', async () => {
      const store = instance();
      const delivered: string[] = [];
      const a = host(store, 'a');
      a.registerOutboxTopic(collecting(delivered, () => new Error('connect ECONNREFUSED')));
      await store.outbox.append([{ id: 'm1', tenantId: 't1', topic: 'webhook', key: 'k1', payload: null, created: new Date(now).toISOString() }]);

      await a.runOnce();
      // Attempt 1 failed: the next one after 5 s × 2^0 × 0.75 (random 0.5).
      expect((await store.outbox.list('t1', { limit: 1 }))[0]).toMatchObject({
        status: 'pending',
        attempts: 1,
        availableAt: new Date(T0 + 3750).toISOString(),
        lastError: 'Internal error while delivering; the server log has the details',
      });
      expect(await a.runOnce()).toBe(false);
      now += 3750;
      await a.runOnce();
      expect((await store.outbox.list('t1', { limit: 1 }))[0]).toMatchObject({ attempts: 2, availableAt: new Date(now + 7500).toISOString() });
      now += 7500;
      await a.runOnce();
      expect((await store.outbox.list('t1', { limit: 1 }))[0]).toMatchObject({ status: 'dead', attempts: 3 });
      expect(a.logger.lines.map((line) => line.message)).toContain('outbox message dead-lettered: it will not be delivered again unless requeued');
      expect(delivered).toEqual([]);
    });

    it('dead-letters at once a failure that retrying cannot cure', async () => {
      const store = instance();
      const a = host(store, 'a');
      a.registerOutboxTopic(collecting([], () => new DeliveryFailure('The receiver answered 410 Gone', true)));
      await store.outbox.append([{ id: 'm1', tenantId: 't1', topic: 'webhook', key: 'k1', payload: null, created: new Date(now).toISOString() }]);
      await a.runOnce();
      expect((await store.outbox.list('t1', { limit: 1 }))[0]).toMatchObject({ status: 'dead', attempts: 1, lastError: 'The receiver answered 410 Gone' });
    });
  });

  describe('the loop', () => {
    it('waits longer and longer while idle (250 ms doubling to 2 s), and starts at once when woken', async () => {
      const store = instance();
      const record: { jobId: string; step: number; worker: string }[] = [];
      const a = host(store, 'a');
      a.registerJobType(stepsJob(record, new Map(), 'a'));
      a.start();
      const waits: number[] = [];
      for (let i = 0; i < 6; i++) {
        await settle();
        waits.push(...a.timers.pendingTimeouts());
        a.timers.fireNextTimeout();
      }
      expect(waits).toEqual([250, 500, 1000, 2000, 2000, 2000]);

      await settle();
      const queue = createJobQueue({ jobs: store.jobs, outbox: store.outbox, clock, wake: () => a.wake() });
      await queue.enqueue('t1', { type: 'steps', input: { steps: 1 } });
      await settle();
      expect(record).toHaveLength(1);
      // Work found: the next idle wait starts again from the shortest.
      expect(a.timers.pendingTimeouts()).toEqual([250]);
      await a.stop();
    });

    it('enqueues a scheduled job once per period for all instances', async () => {
      const [storeA, storeB] = [instance(), instance()];
      const runs: string[] = [];
      const [a, b] = [host(storeA, 'a'), host(storeB, 'b')];
      for (const [worker, name] of [[a, 'a'], [b, 'b']] as const) {
        worker.registerJobType({ type: 'sweep', run: async () => void runs.push(name) });
        worker.schedule({ type: 'sweep', everyMs: 3_600_000 });
      }
      await Promise.all([a.runOnce(), b.runOnce()]);
      await Promise.all([a.runOnce(), b.runOnce()]);
      expect(runs).toHaveLength(1);
      now += 3_600_000;
      await Promise.all([b.runOnce(), a.runOnce()]);
      await Promise.all([a.runOnce(), b.runOnce()]);
      expect(runs).toHaveLength(2);
      const jobs = (await storeA.jobs.list('_system', { limit: 10 })).jobs;
      expect(jobs.map((job) => job.idempotencyKey)).toEqual(['sweep@2025-01-01T01:00:00.000Z', 'sweep@2025-01-01T00:00:00.000Z']);
    });

    it('runs a periodic task in each instance at most once per period, and logs its failure without stopping', async () => {
      const a = host(instance(), 'a');
      const runs: string[] = [];
      a.every({ name: 'tick', everyMs: 30_000, run: async (at) => void runs.push(at.toISOString()) });
      a.every({
        name: 'broken',
        everyMs: 30_000,
        run: async () => {
          throw new Error('boom');
        },
      });
      await a.runOnce();
      await a.runOnce();
      now += 30_000;
      await a.runOnce();
      expect(runs).toEqual([new Date(T0).toISOString(), new Date(T0 + 30_000).toISOString()]);
      expect(a.logger.lines.filter((line) => line.message === 'periodic task failed; it runs again next time')).toHaveLength(2);
    });

    it('delivers a topic with deliverBatch in one call per claim, acknowledging all but those it reports as failed', async () => {
      const store = instance();
      const a = host(store, 'a');
      const calls: string[][] = [];
      a.registerOutboxTopic({
        topic: 'batched',
        deliver: async () => {
          throw new Error('not used');
        },
        deliverBatch: async (messages) => {
          calls.push(messages.map((message) => message.key));
          return { failed: new Map([[messages[1].id, new DeliveryFailure('refused', true)]]) };
        },
      });
      await store.outbox.append(['k1', 'k2', 'k3'].map((key, n) => ({ id: `m${n}`, tenantId: 't1', topic: 'batched', key, payload: null, created: new Date(now).toISOString() })));
      await a.runOnce();
      expect(calls).toEqual([['k1', 'k2', 'k3']]);
      expect((await store.outbox.list('t1', { limit: 5 })).map((message) => [message.key, message.status])).toEqual([
        ['k1', 'delivered'],
        ['k2', 'dead'],
        ['k3', 'delivered'],
      ]);
    });

    it('after a partial outbox batch waits the shortest pause, so that messages under steady load go in batches', async () => {
      const store = instance();
      const a = host(store, 'a', { outboxBatch: 2 });
      const delivered: string[] = [];
      const append = (n: number) => store.outbox.append([{ id: `m${n}`, tenantId: 't1', topic: 'x', key: `k${n}`, payload: null, created: new Date(now).toISOString() }]);
      // Steady load: each delivery is followed by a new message.
      a.registerOutboxTopic({
        topic: 'x',
        deliver: async (message) => {
          delivered.push(message.key);
          await append(delivered.length + 1);
        },
      });
      await append(1);
      a.start();
      await settle();
      // One message (less than a batch): the next round waits 250 ms rather than running at once for the next one.
      expect(delivered).toEqual(['k1']);
      expect(a.timers.pendingTimeouts()).toEqual([250]);
      a.timers.fireNextTimeout();
      await settle();
      expect(delivered).toEqual(['k1', 'k2']);
      await a.stop();
    });

    it('refuses a type or topic registered twice, and a schedule of an unknown type', () => {
      const a = host(instance(), 'a');
      a.registerJobType({ type: 'x', run: async () => undefined });
      expect(() => a.registerJobType({ type: 'x', run: async () => undefined })).toThrow('Job type x is registered twice');
      a.registerOutboxTopic({ topic: 't', deliver: async () => undefined });
      expect(() => a.registerOutboxTopic({ topic: 't', deliver: async () => undefined })).toThrow('Outbox topic t is registered twice');
      expect(() => a.schedule({ type: 'y', everyMs: 1000 })).toThrow('Cannot schedule y: no such job type is registered');
    });
  });
});

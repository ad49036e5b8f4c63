// The jobs contract every store must pass: enqueue with an idempotency key, atomic claims with a lease (one job to one
// claimer, also under concurrent claims), heartbeat with progress and checkpoint, complete / fail / cancel, takeover
// of an expired lease from the last checkpoint, release on shutdown, retry, listing per tenant and housekeeping.
// Time is whatever the test says it is: every call takes its instants, nothing here waits.
import type { JobClaim, JobRecord, JobStore, NewJob } from '../../src/store/job-store';
import { StoreError } from '../../src/store/store-error';
import type { StoreUnderTest } from './resource-store.contract';

const BASE = Date.parse('2024-05-01T00:00:00.000Z');
/** The instant `seconds` after the test's epoch. */
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();
const LEASE = 30;

const newJob = (id: string, extra: Partial<NewJob> = {}): NewJob => ({ id, tenantId: 't1', type: 'export', input: { format: 'ndjson' }, created: at(0), ...extra });

let tokens = 0;
const claimAt = (seconds: number, extra: Partial<JobClaim> = {}): JobClaim => {
  tokens += 1;
  return { types: ['export', 'import'], owner: 'worker-a', token: `token-${tokens}`, now: at(seconds), leaseExpires: at(seconds + LEASE), ...extra };
};

export function describeJobStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name}: jobs contract`, () => {
    let subject: StoreUnderTest;
    let jobs: JobStore;

    beforeEach(async () => {
      subject = await makeStore();
      jobs = subject.store.jobs;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    /** Claims at `seconds` and returns the job and the token that holds it. */
    const claimed = async (seconds: number, extra: Partial<JobClaim> = {}): Promise<{ job: JobRecord; token: string }> => {
      const claim = claimAt(seconds, extra);
      const job = await jobs.claim(claim);
      if (!job) throw new Error(`nothing was claimed at ${claim.now}`);
      return { job, token: claim.token };
    };

    describe('enqueue and read', () => {
      it('records a queued job, readable by its tenant only', async () => {
        const { job, created } = await jobs.enqueue(newJob('j1', { idempotencyKey: 'export-2024-05' }));
        expect(created).toBe(true);
        expect(job).toEqual({
          id: 'j1',
          tenantId: 't1',
          type: 'export',
          idempotencyKey: 'export-2024-05',
          status: 'queued',
          input: { format: 'ndjson' },
          attempts: 0,
          cancelRequested: false,
          created: at(0),
          runAfter: at(0),
          updated: at(0),
        });
        expect(await jobs.get('t1', 'j1')).toEqual(job);
        expect(await jobs.get('t2', 'j1')).toBeNull();
        expect(await jobs.get('t1', 'nope')).toBeNull();
      });

      it('answers a second enqueue with the same tenant, type and key with the existing job, whatever its status', async () => {
        await jobs.enqueue(newJob('j1', { idempotencyKey: 'k' }));
        expect(await jobs.enqueue(newJob('j2', { idempotencyKey: 'k', input: { other: true } }))).toMatchObject({ created: false, job: { id: 'j1', input: { format: 'ndjson' } } });
        const { token } = await claimed(1);
        await jobs.finish('j1', token, { status: 'succeeded', now: at(2) });
        expect(await jobs.enqueue(newJob('j3', { idempotencyKey: 'k' }))).toMatchObject({ created: false, job: { id: 'j1', status: 'succeeded' } });
        expect(await jobs.get('t1', 'j2')).toBeNull();

        // The key is per tenant and per type.
        expect(await jobs.enqueue(newJob('j4', { idempotencyKey: 'k', tenantId: 't2' }))).toMatchObject({ created: true, job: { id: 'j4' } });
        expect(await jobs.enqueue(newJob('j5', { idempotencyKey: 'k', type: 'import' }))).toMatchObject({ created: true, job: { id: 'j5' } });
        // Without a key, every enqueue is a new job.
        expect((await jobs.enqueue(newJob('j6'))).created).toBe(true);
        expect((await jobs.enqueue(newJob('j7'))).created).toBe(true);
      });

      it('refuses a second job with the same id', async () => {
        await jobs.enqueue(newJob('j1'));
        const error = await jobs.enqueue(newJob('j1')).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(StoreError);
        expect(error).toMatchObject({ code: 'conflict', attribute: 'id' });
      });

      it('keeps input, checkpoint and result as given, keys with "." and "$" included', async () => {
        const input = { 'a.b': [1, 'two', null, { $ne: true }], nested: { deep: { x: 1.5 } } };
        await jobs.enqueue(newJob('j1', { input }));
        const { token } = await claimed(0);
        const checkpoint = { after: { created: at(0), id: 'u-1' }, 'dotted.key': '$value' };
        expect(await jobs.renew('j1', token, { now: at(1), leaseExpires: at(31), checkpoint })).toMatchObject({ input, checkpoint });
        const result = { file: 'blob-1', counts: { 'users.ok': 10 } };
        expect(await jobs.finish('j1', token, { status: 'succeeded', now: at(2), result })).toMatchObject({ input, checkpoint, result });
      });
    });

    describe('claims and leases', () => {
      it('claims a due job with a lease, once; nothing else is due while the lease runs', async () => {
        await jobs.enqueue(newJob('j1'));
        const claim = claimAt(5);
        const job = await jobs.claim(claim);
        expect(job).toEqual({
          ...(await jobs.get('t1', 'j1')),
          status: 'running',
          attempts: 1,
          started: at(5),
          updated: at(5),
          lease: { owner: 'worker-a', expires: at(35) },
        });
        expect(await jobs.claim(claimAt(6, { owner: 'worker-b' }))).toBeNull();
        expect(await jobs.claim(claimAt(34))).toBeNull();
      });

      it('waits for runAfter, takes the job due longest first, and only of the types asked for', async () => {
        await jobs.enqueue(newJob('later', { runAfter: at(100) }));
        await jobs.enqueue(newJob('second', { created: at(2) }));
        await jobs.enqueue(newJob('first', { created: at(1) }));
        await jobs.enqueue(newJob('other-type', { type: 'sweep' }));
        expect(await jobs.claim(claimAt(0))).toBeNull();
        // Long leases, so that no claim below is a takeover.
        const long = { leaseExpires: at(10_000) };
        expect((await claimed(10, long)).job.id).toBe('first');
        expect((await claimed(10, long)).job.id).toBe('second');
        expect(await jobs.claim(claimAt(99, long))).toBeNull();
        expect((await claimed(100, long)).job.id).toBe('later');
        expect(await jobs.claim(claimAt(200, { types: [] }))).toBeNull();
        expect((await claimed(200, { ...long, types: ['sweep'] })).job.id).toBe('other-type');
      });

      it('gives each job to exactly one of many concurrent claims', async () => {
        for (let i = 0; i < 5; i++) await jobs.enqueue(newJob(`j${i}`, { created: at(i) }));
        const claims = Array.from({ length: 12 }, (_, i) => claimAt(10, { owner: `worker-${i}` }));
        const results = await Promise.all(claims.map((claim) => jobs.claim(claim)));
        const won = results.filter((job): job is JobRecord => job !== null);
        expect(won.map((job) => job.id).sort()).toEqual(['j0', 'j1', 'j2', 'j3', 'j4']);
        for (const job of won) expect(job.attempts).toBe(1);
        // Each winner's token holds its job; a loser's does not hold any.
        for (const [index, job] of results.entries()) {
          if (job) expect(await jobs.renew(job.id, claims[index].token, { now: at(11), leaseExpires: at(41) })).not.toBeNull();
        }
      });

      it('renews the lease with progress and checkpoint while the token holds it, and refuses another token', async () => {
        await jobs.enqueue(newJob('j1'));
        const { token } = await claimed(0);
        const renewed = await jobs.renew('j1', token, { now: at(20), leaseExpires: at(50), progress: { processed: 500, total: 2000 }, checkpoint: { after: 'u-500' } });
        expect(renewed).toMatchObject({ status: 'running', progress: { processed: 500, total: 2000 }, checkpoint: { after: 'u-500' }, lease: { expires: at(50) }, updated: at(20) });
        // A heartbeat alone keeps progress and checkpoint.
        expect(await jobs.renew('j1', token, { now: at(40), leaseExpires: at(70) })).toMatchObject({ progress: { processed: 500, total: 2000 }, checkpoint: { after: 'u-500' } });
        // The old expiry passed, but the lease was renewed: not due.
        expect(await jobs.claim(claimAt(60))).toBeNull();
        expect(await jobs.renew('j1', 'not-the-token', { now: at(41), leaseExpires: at(99), progress: { processed: 0 } })).toBeNull();
        expect(await jobs.get('t1', 'j1')).toMatchObject({ progress: { processed: 500, total: 2000 }, lease: { expires: at(70) } });
      });

      it('takes over a job whose lease expired, from its last checkpoint; the old holder is locked out', async () => {
        await jobs.enqueue(newJob('j1'));
        const first = await claimed(0, { owner: 'worker-a' });
        await jobs.renew('j1', first.token, { now: at(10), leaseExpires: at(40), progress: { processed: 100 }, checkpoint: { after: 'u-100' } });
        // worker-a dies: nothing renews the lease.
        expect(await jobs.claim(claimAt(39, { owner: 'worker-b' }))).toBeNull();
        const second = await claimed(40, { owner: 'worker-b' });
        expect(second.job).toMatchObject({ id: 'j1', status: 'running', attempts: 2, started: at(0), checkpoint: { after: 'u-100' }, progress: { processed: 100 }, lease: { owner: 'worker-b' } });

        expect(await jobs.renew('j1', first.token, { now: at(41), leaseExpires: at(71) })).toBeNull();
        expect(await jobs.finish('j1', first.token, { status: 'succeeded', now: at(41) })).toBeNull();
        expect(await jobs.release('j1', first.token, { now: at(41), runAfter: at(41) })).toBeNull();
        expect(await jobs.finish('j1', second.token, { status: 'succeeded', now: at(42), result: { exported: 250 } })).toMatchObject({ status: 'succeeded', attempts: 2, result: { exported: 250 } });
      });
    });

    describe('ending a job', () => {
      it('completes with a result: no lease, never claimed again', async () => {
        await jobs.enqueue(newJob('j1'));
        const { token } = await claimed(0);
        const done = await jobs.finish('j1', token, { status: 'succeeded', now: at(5), result: { rows: 3 } });
        expect(done).toMatchObject({ status: 'succeeded', finished: at(5), updated: at(5), result: { rows: 3 } });
        expect(done).not.toHaveProperty('lease');
        expect(done).not.toHaveProperty('error');
        expect(await jobs.get('t1', 'j1')).toEqual(done);
        expect(await jobs.claim(claimAt(10_000))).toBeNull();
        expect(await jobs.finish('j1', token, { status: 'failed', now: at(6), error: { message: 'late' } })).toBeNull();
      });

      it('fails with an error for people and a code for programs', async () => {
        await jobs.enqueue(newJob('j1'));
        const { token } = await claimed(0);
        expect(await jobs.finish('j1', token, { status: 'failed', now: at(5), error: { message: 'The file is truncated', code: 'truncated' } })).toMatchObject({
          status: 'failed',
          finished: at(5),
          error: { message: 'The file is truncated', code: 'truncated' },
        });
        expect(await jobs.claim(claimAt(10_000))).toBeNull();
      });

      it('releases the lease (shutdown): queued again at runAfter, progress and checkpoint kept', async () => {
        await jobs.enqueue(newJob('j1'));
        const first = await claimed(0);
        await jobs.renew('j1', first.token, { now: at(5), leaseExpires: at(35), progress: { processed: 7 }, checkpoint: { page: 2 } });
        const released = await jobs.release('j1', first.token, { now: at(6), runAfter: at(6), error: { message: 'shutting down', code: 'released' } });
        expect(released).toMatchObject({ status: 'queued', runAfter: at(6), progress: { processed: 7 }, checkpoint: { page: 2 }, error: { code: 'released' } });
        expect(released).not.toHaveProperty('lease');
        expect(await jobs.renew('j1', first.token, { now: at(7), leaseExpires: at(37) })).toBeNull();
        const second = await claimed(6);
        expect(second.job).toMatchObject({ attempts: 2, checkpoint: { page: 2 } });
        // Success clears the error a release recorded.
        expect(await jobs.finish('j1', second.token, { status: 'succeeded', now: at(8) })).not.toHaveProperty('error');
      });

      it('cancels a queued job at once, and asks a running one to stop', async () => {
        await jobs.enqueue(newJob('queued', { created: at(1) }));
        await jobs.enqueue(newJob('running', { created: at(0) }));
        const { token } = await claimed(2);
        expect(await jobs.cancel('t1', 'queued', at(3))).toMatchObject({ status: 'cancelled', cancelRequested: true, finished: at(3) });
        expect(await jobs.claim(claimAt(4))).toBeNull();

        expect(await jobs.cancel('t1', 'running', at(3))).toMatchObject({ status: 'running', cancelRequested: true });
        // The runner sees it at its next heartbeat and ends the job.
        expect(await jobs.renew('running', token, { now: at(4), leaseExpires: at(34) })).toMatchObject({ cancelRequested: true });
        expect(await jobs.finish('running', token, { status: 'cancelled', now: at(5) })).toMatchObject({ status: 'cancelled', finished: at(5) });

        // A finished job stays as it is; another tenant's job is not found.
        expect(await jobs.cancel('t1', 'running', at(6))).toMatchObject({ status: 'cancelled', finished: at(5) });
        expect(await jobs.cancel('t2', 'queued', at(6))).toBeNull();
        expect(await jobs.cancel('t1', 'nope', at(6))).toBeNull();
      });

      it('queues a failed or cancelled job again on retry, keeping its checkpoint; leaves others alone', async () => {
        await jobs.enqueue(newJob('j1'));
        const first = await claimed(0);
        await jobs.renew('j1', first.token, { now: at(1), leaseExpires: at(31), checkpoint: { page: 4 } });
        await jobs.finish('j1', first.token, { status: 'failed', now: at(2), error: { message: 'duplicate userName in the file' } });
        const retried = await jobs.retry('t1', 'j1', at(10));
        expect(retried).toMatchObject({ status: 'queued', runAfter: at(10), checkpoint: { page: 4 }, attempts: 1, cancelRequested: false });
        expect(retried).not.toHaveProperty('finished');
        expect(retried).not.toHaveProperty('error');
        const second = await claimed(10);
        expect(second.job.attempts).toBe(2);
        expect(await jobs.retry('t1', 'j1', at(11))).toMatchObject({ status: 'running' });
        await jobs.finish('j1', second.token, { status: 'succeeded', now: at(12) });
        expect(await jobs.retry('t1', 'j1', at(13))).toMatchObject({ status: 'succeeded' });
        expect(await jobs.retry('t2', 'j1', at(13))).toBeNull();
      });
    });

    describe('listing and housekeeping', () => {
      it("lists a tenant's jobs newest first, by pages, filtered by status and type", async () => {
        for (let i = 0; i < 5; i++) await jobs.enqueue(newJob(`j${i}`, { created: at(i), type: i % 2 === 0 ? 'export' : 'import' }));
        await jobs.enqueue(newJob('same-time-b', { created: at(4) }));
        await jobs.enqueue(newJob('other-tenant', { tenantId: 't2', created: at(9) }));
        const first = await jobs.list('t1', { limit: 4 });
        expect(first.jobs.map((job) => job.id)).toEqual(['same-time-b', 'j4', 'j3', 'j2']);
        expect(first.next).toEqual({ created: at(2), id: 'j2' });
        const second = await jobs.list('t1', { limit: 4, after: first.next });
        expect(second.jobs.map((job) => job.id)).toEqual(['j1', 'j0']);
        expect(second.next).toBeUndefined();
        expect((await jobs.list('t1', { limit: 10, type: 'import' })).jobs.map((job) => job.id)).toEqual(['j3', 'j1']);

        await claimed(100);
        expect((await jobs.list('t1', { limit: 10, status: 'running' })).jobs.map((job) => job.id)).toEqual(['j0']);
        expect((await jobs.list('t2', { limit: 10 })).jobs.map((job) => job.id)).toEqual(['other-tenant']);
      });

      it("deletes a tenant's jobs that finished before a time, a limited number at a time", async () => {
        for (let i = 0; i < 4; i++) {
          await jobs.enqueue(newJob(`done-${i}`, { created: at(i) }));
          const { token } = await claimed(10 + i);
          await jobs.finish(`done-${i}`, token, i === 3 ? { status: 'failed', now: at(20 + i), error: { message: 'x' } } : { status: 'succeeded', now: at(20 + i) });
        }
        await jobs.enqueue(newJob('queued', { created: at(50) }));
        await jobs.enqueue(newJob('other-tenant-done', { tenantId: 't2', created: at(0) }));
        const other = await claimed(60);
        await jobs.finish('other-tenant-done', other.token, { status: 'succeeded', now: at(20) });

        expect(await jobs.purgeFinished('t1', at(23), 2)).toBe(2);
        expect(await jobs.purgeFinished('t1', at(23), 2)).toBe(1);
        expect(await jobs.purgeFinished('t1', at(23), 2)).toBe(0);
        expect((await jobs.list('t1', { limit: 10 })).jobs.map((job) => job.id)).toEqual(['queued', 'done-3']);
        expect((await jobs.list('t2', { limit: 10 })).jobs.map((job) => job.id)).toEqual(['other-tenant-done']);
      });

      it('counts the queued and running jobs of all tenants, not the finished ones', async () => {
        expect(await jobs.countActive()).toEqual({ queued: 0, running: 0 });
        for (const [id, tenantId] of [['a', 't1'], ['b', 't1'], ['c', 't2'], ['d', 't2']]) await jobs.enqueue(newJob(id, { tenantId }));
        const first = await claimed(10);
        await claimed(10);
        await jobs.finish(first.job.id, first.token, { status: 'succeeded', now: at(11) });
        expect(await jobs.countActive()).toEqual({ queued: 2, running: 1 });
      });

      it('goes with its tenant when the tenant is deleted', async () => {
        for (const id of ['t1', 't2']) await subject.store.tenants.createTenant({ id, name: id, profile: 'standard', created: at(0) });
        await jobs.enqueue(newJob('j1'));
        await jobs.enqueue(newJob('j2', { tenantId: 't2' }));
        await subject.store.deleteTenant('t1');
        expect(await jobs.get('t1', 'j1')).toBeNull();
        expect(await jobs.get('t2', 'j2')).not.toBeNull();
        if (subject.remainingOf) expect(await subject.remainingOf('t1')).toEqual({});
      });
    });
  });
}

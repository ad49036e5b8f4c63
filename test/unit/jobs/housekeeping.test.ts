// The housekeeping job on a real embedded store: expired blobs, old finished jobs (per tenant, by its
// jobs.retentionDays setting), old delivered outbox messages, expired Idempotency-Key records and rate-limit counters
// go; everything else stays.
import { HOUSEKEEPING_JOB, housekeepingJob } from '../../../src/jobs/housekeeping';
import { createWorkerHost } from '../../../src/jobs/worker-host';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { createSettingsReader } from '../../../src/settings/settings-reader';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../src/store/tenant-store';
import { manualTimers } from './manual-timers';

const registry = loadBuiltinRegistry();
const DAY = 24 * 3600 * 1000;
const T0 = Date.parse('2025-03-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

async function* bytes(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

/** A job of `tenantId` that finished at `finished`. */
async function finishedJob(store: Store, tenantId: string, id: string, finished: number) {
  await store.jobs.enqueue({ id, tenantId, type: 'export', input: null, created: iso(finished - 1000) });
  const claimed = await store.jobs.claim({ types: ['export'], owner: 'w', token: `tok-${id}`, now: iso(finished - 500), leaseExpires: iso(finished + 60_000) });
  expect(claimed?.id).toBe(id);
  await store.jobs.finish(id, `tok-${id}`, { status: 'succeeded', now: iso(finished) });
}

describe('housekeeping', () => {
  let store: Store;
  beforeEach(() => {
    store = createSqliteStore({ path: ':memory:', registry });
  });
  afterEach(() => store.close());

  it('deletes expired blobs, finished jobs past each tenant retention, and old delivered outbox messages', async () => {
    for (const id of ['short', 'default']) await store.tenants.createTenant({ id, name: id, profile: 'standard', created: iso(T0 - 100 * DAY) });
    await store.settings.update('short', { set: { 'jobs.retentionDays': '2' }, at: iso(T0) });
    const now = T0 + 40 * DAY;

    await finishedJob(store, 'short', 'short-3-days-old', now - 3 * DAY);
    await finishedJob(store, 'short', 'short-1-day-old', now - 1 * DAY);
    await finishedJob(store, 'default', 'default-31-days-old', now - 31 * DAY);
    await finishedJob(store, 'default', 'default-29-days-old', now - 29 * DAY);
    await store.jobs.enqueue({ id: 'default-queued-long-ago', tenantId: 'default', type: 'export', input: null, created: iso(now - 90 * DAY), runAfter: iso(now + DAY) });

    await store.blobs.write({ id: 'expired', tenantId: 'short', contentType: 'text/plain', created: iso(T0), expires: iso(now - 1) }, bytes('x'));
    await store.blobs.write({ id: 'valid', tenantId: 'short', contentType: 'text/plain', created: iso(T0), expires: iso(now + DAY) }, bytes('y'));

    await store.outbox.append([
      { id: 'old', tenantId: 'default', topic: 'webhook', key: 'old', payload: null, created: iso(now - 9 * DAY) },
      { id: 'recent', tenantId: 'default', topic: 'webhook', key: 'recent', payload: null, created: iso(now - 9 * DAY) },
      { id: 'dead', tenantId: 'default', topic: 'webhook', key: 'dead', payload: null, created: iso(now - 9 * DAY) },
    ]);
    await store.outbox.claim({ topics: ['webhook'], limit: 10, now: iso(now - 9 * DAY), claimExpires: iso(now), token: 'c' });
    await store.outbox.ack('old', 'c', iso(now - 8 * DAY));
    await store.outbox.ack('recent', 'c', iso(now - 6 * DAY));
    await store.outbox.fail('dead', 'c', { now: iso(now - 8 * DAY), error: 'gone' });

    const key = (id: string, expires: number) => ({ tenantId: 'default', id, fingerprint: 'f', token: `k-${id}`, now: iso(expires - DAY), lockedUntil: iso(expires - DAY + 60_000), expires: iso(expires) });
    await store.idempotency.claim(key('expired-key', now - 1));
    await store.idempotency.claim(key('live-key', now + 1));
    await store.rateLimits.add([
      { key: 'token:a', window: now - 20_000, points: 5, expires: iso(now - 10_000) },
      { key: 'token:a', window: now, points: 1, expires: iso(now + 10_000) },
    ]);

    const host = createWorkerHost({ jobs: store.jobs, outbox: store.outbox, logger: { info: () => undefined, warn: () => undefined, error: () => undefined }, clock: () => new Date(now), timers: manualTimers() });
    host.registerJobType(
      housekeepingJob({
        tenants: store.tenants,
        jobs: store.jobs,
        outbox: store.outbox,
        blobs: store.blobs,
        idempotency: store.idempotency,
        rateLimits: store.rateLimits,
        settings: createSettingsReader({ store: store.settings }),
      }),
    );
    host.schedule({ type: HOUSEKEEPING_JOB, everyMs: 3_600_000 });
    await host.runOnce();

    const [run] = (await store.jobs.list('_system', { limit: 5 })).jobs;
    expect(run).toMatchObject({ type: HOUSEKEEPING_JOB, status: 'succeeded', result: { blobsDeleted: 1, jobsDeleted: 2, outboxMessagesDeleted: 1, idempotencyKeysDeleted: 1, rateCountersDeleted: 1 }, progress: { processed: 2, total: 2 } });
    expect((await store.jobs.list('short', { limit: 5 })).jobs.map((job) => job.id)).toEqual(['short-1-day-old']);
    expect((await store.jobs.list('default', { limit: 5 })).jobs.map((job) => job.id).sort()).toEqual(['default-29-days-old', 'default-queued-long-ago']);
    expect(await store.blobs.stat('short', 'expired', iso(T0))).toBeNull();
    expect(await store.blobs.stat('short', 'valid', iso(T0))).not.toBeNull();
    expect((await store.outbox.list('default', { limit: 5 })).map((message) => message.id).sort()).toEqual(['dead', 'recent']);
    // The live ones stay: the key is still taken, the current window keeps its count.
    expect((await store.idempotency.claim(key('live-key', now + 1))).claimed).toBe(false);
    expect(await store.rateLimits.add([{ key: 'token:a', window: now, points: 1, expires: iso(now + 10_000) }])).toEqual([2]);
  });
});

// The MongoDB rebuild after a schema change as a leased job: queued once however many instances start, run by one,
// taken over from its checkpoint when that one dies, and reported by /ready (503 with the progress while it runs,
// 200 once done; 200 with a note on an outdated instance). On the mingo stand-in, with an injected clock.
import request from 'supertest';
import { buildApp } from '../../../src/app';
import { loadConfig } from '../../../src/config/load-config';
import { derivedDataRebuildJob, ensureRebuildQueued, rebuildJobType, rebuildReadiness } from '../../../src/jobs/derived-data-rebuild';
import { createWorkerHost } from '../../../src/jobs/worker-host';
import { createLogger } from '../../../src/logger';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import type { SchemaRegistry } from '../../../src/scim/schema/registry';
import type { DerivedDataMaintenance } from '../../../src/store/derived-data';
import { COLLECTIONS } from '../../../src/store/mongo/indexes';
import { mongoStoreOn, type MongoStore } from '../../../src/store/mongo/mongo-store';
import { registryWith } from '../../helpers/changed-registry';
import { createMingoDb } from '../store/mongo/mingo-db';
import { manualTimers, settle } from './manual-timers';

const oldRegistry = loadBuiltinRegistry();
const newRegistry = registryWith({ nickName: { uniqueness: 'server' } });
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('the derived-data rebuild job', () => {
  let now: number;
  const clock = () => new Date(now);
  let ids = 0;
  const newId = () => `id-${++ids}`;

  beforeEach(() => {
    now = T0;
  });

  async function deployment(users: number) {
    const fake = createMingoDb();
    const start = async (registry: SchemaRegistry): Promise<MongoStore> => {
      const store = mongoStoreOn({ db: fake.db, registry, close: async () => undefined });
      await store.prepare();
      return store;
    };
    const old = await start(oldRegistry);
    for (let i = 0; i < users; i++) {
      await old.resources.create('t1', { resourceType: 'User', id: `u-${String(i).padStart(2, '0')}`, created: new Date(T0).toISOString(), attributes: { userName: `user${i}`, nickName: `n${i}` }, internal: {} });
    }
    return { ...fake, old, start };
  }

  /** A worker host for `store` running the rebuild with `port` (to stand in for a dying instance) in batches of 2. */
  const hostFor = (store: MongoStore, port: DerivedDataMaintenance = store.derivedData!) => {
    const host = createWorkerHost({ jobs: store.jobs, outbox: store.outbox, logger: quiet, clock, timers: manualTimers(), newId });
    host.registerJobType(derivedDataRebuildJob(port, 2));
    return host;
  };

  it('is queued once for all instances, run by one, taken over from its checkpoint after that one dies, and reported by readiness', async () => {
    const { old, start, collections } = await deployment(9);
    const [a, b] = [await start(newRegistry), await start(newRegistry)];
    const queued = await Promise.all([a, b].map((store) => ensureRebuildQueued(store.derivedData!, store.jobs, clock(), newId)));
    expect(queued[0]?.id).toBe(queued[1]?.id);
    expect((await a.jobs.list('_system', { limit: 10 })).jobs).toHaveLength(1);
    expect(await rebuildReadiness(a.derivedData!, a.jobs)).toEqual({
      ready: false,
      detail: "Stored resources are being rebuilt for this server's schemas: the rebuild job is waiting for a worker (SCIM_WORKERS=on on at least one instance of this version)",
    });
    // Instances of the old version do not run the new model's rebuild: its type names the model.
    const oldHost = createWorkerHost({ jobs: old.jobs, outbox: old.outbox, logger: quiet, clock, timers: manualTimers(), newId });
    oldHost.registerJobType(derivedDataRebuildJob(old.derivedData!, 2));
    expect(await oldHost.runOnce()).toBe(false);

    // Instance a rebuilds two batches, then hangs in its third (as good as dead).
    let batches = 0;
    const seen: unknown[] = [];
    const dying: DerivedDataMaintenance = {
      ...a.derivedData!,
      model: a.derivedData!.model,
      state: () => a.derivedData!.state(),
      countResources: () => a.derivedData!.countResources(),
      rebuildBatch: (after, limit) => (++batches > 2 ? new Promise(() => undefined) : a.derivedData!.rebuildBatch(after, limit)),
    };
    void hostFor(a, dying).runOnce();
    await settle();
    expect(batches).toBe(3);
    expect(await rebuildReadiness(b.derivedData!, b.jobs)).toEqual({
      ready: false,
      detail: `Stored resources are being rebuilt for this server's schemas: 4 of 9 resources so far (job ${queued[0]!.id}); this instance reports ready when it is done`,
    });

    // b takes over once the lease (60 s) expired, and resumes after the fourth resource.
    const port = b.derivedData!;
    const recording: DerivedDataMaintenance = { ...port, model: port.model, state: () => port.state(), countResources: () => port.countResources(), rebuildBatch: (after, limit) => (seen.push(after), port.rebuildBatch(after, limit)) };
    const hostB = hostFor(b, recording);
    expect(await hostB.runOnce()).toBe(false);
    now += 60_000;
    expect(await hostB.runOnce()).toBe(true);
    expect(seen[0]).toEqual({ tenantId: 't1', resourceType: 'User', id: 'u-03' });
    const [job] = (await b.jobs.list('_system', { limit: 1 })).jobs;
    expect(job).toMatchObject({ type: rebuildJobType(port.model), status: 'succeeded', attempts: 2, result: { scanned: 9, rebuilt: 9 } });
    expect(await rebuildReadiness(b.derivedData!, b.jobs)).toEqual({ ready: true });
    expect(collections.get(COLLECTIONS.resources)!.documents.every((document) => document.m === port.model)).toBe(true);
    // A later start of the same version finds nothing to do.
    expect(await ensureRebuildQueued(b.derivedData!, b.jobs, clock(), newId)).toBeUndefined();
  });

  it('reports a failed rebuild with its reason and how to retry it; a restart queues it again', async () => {
    const { old, start } = await deployment(2);
    await old.resources.create('t1', { resourceType: 'User', id: 'u-dup', created: new Date(T0).toISOString(), attributes: { userName: 'dup', nickName: 'N1' }, internal: {} });
    const neu = await start(newRegistry);
    const job = await ensureRebuildQueued(neu.derivedData!, neu.jobs, clock(), newId);
    await hostFor(neu).runOnce();
    const readiness = await rebuildReadiness(neu.derivedData!, neu.jobs);
    expect(readiness).toEqual({
      ready: false,
      detail: expect.stringMatching(
        new RegExp(`^Stored resources are being rebuilt for this server's schemas, but the rebuild job failed: Cannot enforce the uniqueness of User\\.nickName in tenant t1: User u-dup repeats .*npm run admin -- job retry system ${job!.id}`),
      ),
    });
    expect((await neu.jobs.get('_system', job!.id))?.error?.code).toBe('invalid_data');

    // The operator fixes the data (through SCIM, here the store) and restarts: the job runs again.
    await old.resources.delete('t1', 'User', 'u-dup');
    expect(await ensureRebuildQueued(neu.derivedData!, neu.jobs, clock(), newId)).toMatchObject({ id: job!.id, status: 'queued' });
    await hostFor(neu).runOnce();
    expect(await rebuildReadiness(neu.derivedData!, neu.jobs)).toEqual({ ready: true });
  });

  it('makes /ready answer 503 with the reason while the rebuild runs, 200 once it is done, and 200 with a note on an outdated instance', async () => {
    const { old, start } = await deployment(3);
    const neu = await start(newRegistry);
    const appOf = (store: MongoStore, registry: SchemaRegistry) => buildApp({ config: loadConfig({ SCIM_LOG_LEVEL: 'silent' }), store, registry, logger: createLogger('silent') });
    const newApp = appOf(neu, newRegistry);
    await ensureRebuildQueued(neu.derivedData!, neu.jobs, clock(), newId);

    expect((await request(newApp).get('/health')).status).toBe(200);
    const notReady = await request(newApp).get('/ready');
    expect(notReady.status).toBe(503);
    expect(notReady.headers['retry-after']).toBe('5');
    expect(notReady.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503', detail: expect.stringContaining('waiting for a worker') });

    const outdated = await request(appOf(old, oldRegistry)).get('/ready');
    expect(outdated.status).toBe(200);
    expect(outdated.body).toEqual({ status: 'ready', note: expect.stringContaining('A newer server version changed the schema model') });

    await hostFor(neu).runOnce();
    const ready = await request(newApp).get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
  });
});

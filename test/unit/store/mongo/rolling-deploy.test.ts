// Two server versions on one MongoDB database (the mingo stand-in) during a rolling deploy that changes the schema
// model: the old version (builtin schemas) and the new one (nickName unique, title case-exact). Whatever the two do
// side by side, and however the rebuild is interleaved with them, every stored document ends up derived for the new
// model, and uniqueness holds throughout (src/store/mongo/model-generations.ts explains the fence).
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import type { SchemaRegistry } from '../../../../src/scim/schema/registry';
import { createStoreModel } from '../../../../src/store/model/resource-model';
import type { JsonValue } from '../../../../src/store/json-value';
import { COLLECTIONS } from '../../../../src/store/mongo/indexes';
import { mongoStoreOn, type MongoStore } from '../../../../src/store/mongo/mongo-store';
import { deriveFields, deriveUnversionedFields } from '../../../../src/store/mongo/resource-document';
import { UNVERSIONED_ATTRIBUTES, type NewResource } from '../../../../src/store/resource-store';
import { StoreError } from '../../../../src/store/store-error';
import { registryWith } from '../../../helpers/changed-registry';
import { createMingoDb, type MingoCollection } from './mingo-db';

const oldRegistry = loadBuiltinRegistry();
const newRegistry = registryWith({ nickName: { uniqueness: 'server' }, title: { caseExact: true } });
const T0 = '2024-01-01T00:00:00.000Z';

const user = (id: string, userName: string, extra: Record<string, unknown> = {}): NewResource => ({ resourceType: 'User', id, created: T0, attributes: { userName, ...extra }, internal: {} });
const replacement = (userName: string, extra: Record<string, unknown> = {}) => ({ lastModified: T0, attributes: { userName, ...extra }, internal: {} });

async function refusal(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

/** Runs the rebuild to its end, a batch of `size` at a time, calling `between` after each batch. */
async function rebuildAll(store: MongoStore, size: number, between: (batch: number) => Promise<void> = async () => undefined) {
  let position: JsonValue | undefined;
  for (let batch = 1; ; batch++) {
    const result = await store.derivedData!.rebuildBatch(position, size);
    if (result.next === undefined) return;
    position = result.next;
    await between(batch);
  }
}

/** Every stored resource is derived exactly as the given registry's model derives it, and marked with that model. */
function expectAllDerivedFor(collection: MingoCollection, registry: SchemaRegistry, modelName: string) {
  const model = createStoreModel(registry);
  expect(collection.documents.length).toBeGreaterThan(0);
  for (const document of collection.documents) {
    const expected = deriveFields(model.modelOf(document.resourceType as string), JSON.parse(document.data as string) as Record<string, unknown>, document.id as string);
    expect({ id: document.id, s: document.s, p: document.p, u: document.u, o: document.o, g: document.g, m: document.m }).toEqual({ id: document.id, ...JSON.parse(JSON.stringify(expected)), m: modelName });
  }
}

describe('a rolling deploy that changes the schema model (MongoDB store on the stand-in)', () => {
  const start = async (db: ReturnType<typeof createMingoDb>['db'], registry: SchemaRegistry, registerModel?: boolean) => {
    const store = mongoStoreOn({ db, registry, close: async () => undefined, registerModel });
    await store.prepare();
    return store;
  };

  async function deployment(users = 10) {
    const fake = createMingoDb();
    const old = await start(fake.db, oldRegistry);
    for (let i = 0; i < users; i++) await old.resources.create('t1', user(`u-${String(i).padStart(2, '0')}`, `user${i}`, { nickName: `Nick${i}`, title: 'Engineer' }));
    return { ...fake, old, resources: () => fake.collections.get(COLLECTIONS.resources)! };
  }

  it('makes the new model current at start-up and rebuilds for it in resumable batches; the old instance becomes outdated', async () => {
    const { db, old, resources } = await deployment(7);
    expect(await old.derivedData!.state()).toBe('current');
    const neu = await start(db, newRegistry);
    expect(await neu.derivedData!.state()).toBe('rebuilding');
    expect(await old.derivedData!.state()).toBe('outdated');

    // The first two batches, then a takeover by another instance of the new version from the last position.
    const first = await neu.derivedData!.rebuildBatch(undefined, 3);
    expect(first).toMatchObject({ rebuilt: 3, scanned: 3, next: { tenantId: 't1', resourceType: 'User', id: 'u-02' } });
    const second = await neu.derivedData!.rebuildBatch(first.next, 3);
    const other = await start(db, newRegistry);
    expect(await other.derivedData!.rebuildBatch(second.next, 3)).toEqual({ rebuilt: 1, scanned: 1 });
    expect(await neu.derivedData!.state()).toBe('current');
    expectAllDerivedFor(resources(), newRegistry, neu.derivedData!.model);

    // The new model's rules hold from now on: title is case-exact, nickName unique.
    const titled = await neu.resources.list('t1', { resourceType: 'User', filter: undefined, page: { kind: 'index', startIndex: 1, count: 50 } });
    expect(titled.totalResults).toBe(7);
    expect((await refusal(neu.resources.create('t1', user('u-new', 'someone', { nickName: 'NICK1' })))).attribute).toBe('nickName');
  });

  it('never leaves stale derived fields, whatever the old and new instances write during the rebuild, and keeps uniqueness', async () => {
    const { db, old, resources } = await deployment(10);
    const neu = await start(db, newRegistry);

    // Before the rebuild reaches them: the old instance may still change documents not yet rebuilt...
    await old.resources.replace('t1', 'User', 'u-07', replacement('user7', { nickName: 'Nick7', title: 'Old writer' }));
    // ...but may not add one: it could land behind the rebuild's scan. It is taken back and refused (503).
    expect((await refusal(old.resources.create('t1', user('u-late', 'late')))).code).toBe('unavailable');
    expect(await neu.resources.get('t1', 'User', 'u-late')).toBeNull();
    const batch = await old.resources.createMany('t1', [user('u-late-1', 'late1'), user('u-late-2', 'late2')]);
    expect(batch.map((item) => (item instanceof StoreError ? item.code : item.id))).toEqual(['unavailable', 'unavailable']);

    await rebuildAll(neu, 3, async (done) => {
      if (done === 1) {
        // u-00..u-02 are rebuilt: the old instance's replace of one is refused and changes nothing.
        const before = await neu.resources.get('t1', 'User', 'u-01');
        expect((await refusal(old.resources.replace('t1', 'User', 'u-01', replacement('user1', { title: 'stale' })))).code).toBe('unavailable');
        expect((await refusal(old.resources.replace('t1', 'User', 'u-02', replacement('user2'), 1))).code).toBe('unavailable');
        expect(await neu.resources.get('t1', 'User', 'u-01')).toEqual(before);
        // The new instance writes documents on either side of the scan, in its own model.
        await neu.resources.replace('t1', 'User', 'u-08', replacement('user8', { nickName: 'Nick8', title: 'New writer' }));
        await neu.resources.create('t1', user('u-new', 'newcomer', { nickName: 'Fresh' }));
        // The old instance may still change what the scan has not reached, and delete anything.
        await old.resources.replace('t1', 'User', 'u-09', replacement('user9', { nickName: 'Nick9', title: 'Old again' }));
        await old.resources.delete('t1', 'User', 'u-00');
      }
      // Uniqueness holds throughout, for both versions: userName was unique before and after.
      expect((await refusal(neu.resources.create('t1', user(`dup-${done}`, 'USER5')))).attribute).toBe('userName');
      expect((await refusal(old.resources.create('t1', user(`dup-old-${done}`, 'User5')))).code).toMatch(/conflict|unavailable/);
    });

    expect(await neu.derivedData!.state()).toBe('current');
    expectAllDerivedFor(resources(), newRegistry, neu.derivedData!.model);
    expect(resources().documents.map((document) => document.id).sort()).toEqual(['u-01', 'u-02', 'u-03', 'u-04', 'u-05', 'u-06', 'u-07', 'u-08', 'u-09', 'u-new']);
    expect((await neu.resources.get('t1', 'User', 'u-09'))?.attributes).toMatchObject({ title: 'Old again' });
  });

  it('fails the rebuild with a message naming the resource when stored data breaks a uniqueness of the new model', async () => {
    const { db, old } = await deployment(3);
    await old.resources.create('t1', user('u-dup', 'other', { nickName: 'NICK1' }));
    const neu = await start(db, newRegistry);
    await expect(rebuildAll(neu, 10)).rejects.toThrow(/^Cannot enforce the uniqueness of User\.nickName in tenant t1: User u-dup repeats a value another resource holds/);
    expect(await neu.derivedData!.state()).toBe('rebuilding');
  });

  it('keeps the new model current when an old instance restarts mid-deploy, and the admin CLI never changes it', async () => {
    const { db } = await deployment(2);
    const neu = await start(db, newRegistry);
    const restartedOld = await start(db, oldRegistry);
    expect(await restartedOld.derivedData!.state()).toBe('outdated');
    expect(await neu.derivedData!.state()).toBe('rebuilding');
    // The CLI of yet another version opens the store without recording its model.
    const cli = await start(db, registryWith({ displayName: { uniqueness: 'server' } }), false);
    expect(await cli.derivedData!.state()).toBe('outdated');
    expect(await neu.derivedData!.state()).toBe('rebuilding');
  });

  it('gives the store back to a model seen before once no instance of the current one runs (rollback, or an extension brought back)', async () => {
    const { db, old, resources } = await deployment(4);
    const neu = await start(db, newRegistry);
    await rebuildAll(neu, 10);
    // While an instance of the new model runs, an old one that starts stays outdated...
    const early = await start(db, oldRegistry);
    expect(await early.derivedData!.state()).toBe('outdated');
    await early.close();
    // ...once no instance of the new model is heard of (here: its record expired, as after 30 s without a heartbeat),
    // the old model takes the store back and is rebuilt for.
    await db.collection(COLLECTIONS.meta).deleteMany({ kind: 'instance', model: neu.derivedData!.model });
    const back = await start(db, oldRegistry);
    expect(await back.derivedData!.state()).toBe('rebuilding');
    await rebuildAll(back, 3);
    expect(await back.derivedData!.state()).toBe('current');
    expectAllDerivedFor(resources(), oldRegistry, back.derivedData!.model);
    // The instance of the old model that ran all along may write again (same derivation as the current one)...
    await old.resources.replace('t1', 'User', 'u-01', replacement('user1', { nickName: 'Nick1' }));
    // ...while the new-model instance that was presumed gone, once it has heard of it (its next heartbeat, or a
    // readiness probe, as here), may not overwrite what was rebuilt since.
    expect(await neu.derivedData!.state()).toBe('outdated');
    expect((await refusal(neu.resources.replace('t1', 'User', 'u-02', replacement('user2')))).code).toBe('unavailable');
    expect((await refusal(neu.resources.create('t1', user('u-gone', 'gone')))).code).toBe('unavailable');
    expectAllDerivedFor(resources(), oldRegistry, back.derivedData!.model);
  });

  it('lets a newer model supersede a rebuild that has not finished', async () => {
    const { db, resources } = await deployment(6);
    const neu = await start(db, newRegistry);
    const first = await neu.derivedData!.rebuildBatch(undefined, 2);
    const newest = await start(db, registryWith({ nickName: { uniqueness: 'server' }, title: { caseExact: true }, displayName: { caseExact: true } }));
    await expect(neu.derivedData!.rebuildBatch(first.next, 2)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('superseded') });
    // The two documents the superseded rebuild wrote are not "newer" for the newest model: it rewrites them too.
    await rebuildAll(newest, 4);
    expect(await newest.derivedData!.state()).toBe('current');
    expect(resources().documents.every((document) => document.m === newest.derivedData!.model)).toBe(true);
  });

  it('adopts a database written before models were recorded: the same derivation needs no rebuild, another one does', async () => {
    const same = createMingoDb();
    const sameStore = await start(same.db, oldRegistry);
    await sameStore.resources.create('t1', user('u-1', 'a'));
    // As the previous version left it: a legacy fingerprint, no model document, no `m` on resources.
    const meta = same.db.collection(COLLECTIONS.meta);
    const model = sameStore.derivedData!.model;
    await meta.deleteOne({ _id: 'model' as never });
    await meta.insertOne({ _id: 'derivation' as never, value: model });
    await same.db.collection(COLLECTIONS.resources).updateOne({ id: 'u-1' }, { $unset: { m: '' } });
    expect(await (await start(same.db, oldRegistry)).derivedData!.state()).toBe('current');
    // An old-format document stays writable.
    await sameStore.resources.replace('t1', 'User', 'u-1', replacement('a', { title: 'x' }));

    await meta.deleteOne({ _id: 'model' as never });
    const changed = await start(same.db, newRegistry);
    expect(await changed.derivedData!.state()).toBe('rebuilding');
    await rebuildAll(changed, 10);
    expectAllDerivedFor(same.collections.get(COLLECTIONS.resources)!, newRegistry, changed.derivedData!.model);
  });
  it('rebuilds the search fields of unversioned attributes too (us/up), keeping what updateInternal wrote meanwhile', async () => {
    const LIFECYCLE = 'urn:scim-server:params:scim:schemas:extension:lifecycle:2.0:User';
    const counters = (failedSignIns: number, lastSignIn: string) => ({ [UNVERSIONED_ATTRIBUTES]: { [LIFECYCLE]: { failedSignIns, lastSignIn } } });
    const { db, old, resources } = await deployment(3);
    await old.resources.updateInternal('t1', 'User', 'u-00', counters(1, '2025-01-01T00:00:00.000Z'), 0);
    // As an older server left it: its unversioned search fields missing.
    const first = resources().documents.find((document) => document.id === 'u-00')!;
    delete first.us;
    delete first.up;
    const neu = await start(db, newRegistry);
    await rebuildAll(neu, 1, async (batch) => {
      if (batch === 1) await neu.resources.updateInternal('t1', 'User', 'u-01', counters(5, '2026-01-01T00:00:00.000Z'), 0);
    });
    const model = createStoreModel(newRegistry).modelOf('User');
    for (const document of resources().documents) {
      const expected = deriveUnversionedFields(model, JSON.parse((document.unversioned as string | undefined) ?? '{}') as Record<string, unknown>);
      expect({ id: document.id, us: document.us, up: document.up }).toEqual({ id: document.id, ...JSON.parse(JSON.stringify(expected)) });
    }
    expect((await neu.resources.get('t1', 'User', 'u-01'))!.unversioned).toMatchObject({ revision: 1, values: counters(5, '2026-01-01T00:00:00.000Z') });
  });
});

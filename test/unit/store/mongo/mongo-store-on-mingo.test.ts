// The store contracts on the MongoDB store's own code, over an in-memory stand-in for the driver's collections whose
// queries, aggregations and updates mingo evaluates (mingo-db.ts). Where a MongoDB server is available,
// test/contract/mongo.contract.test.ts runs the same contracts against it.
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { mongoStoreOn } from '../../../../src/store/mongo/mongo-store';
import { MongoNetworkError } from 'mongodb';
import { describeMembershipCrashContract } from '../../../contract/membership-crash.contract';
import { describeMembershipStoreContract } from '../../../contract/membership-store.contract';
import { describeMembershipRaceContract } from '../../../contract/membership-race.contract';
import { describeStoreContract, type StoreUnderTest } from '../../../contract/resource-store.contract';
import { describeBlobStoreContract } from '../../../contract/blob-store.contract';
import { describeJobStoreContract } from '../../../contract/job-store.contract';
import { describeOutboxStoreContract } from '../../../contract/outbox-store.contract';
import { describeAuditEventStoreContract } from '../../../contract/audit-event-store.contract';
import { describeWriteEffectsContract } from '../../../contract/write-effects.contract';
import { describeSettingsStoreContract } from '../../../contract/settings-store.contract';
import { describeIdempotencyStoreContract } from '../../../contract/idempotency-store.contract';
import { describeRateLimitStoreContract } from '../../../contract/rate-limit-store.contract';
import { describeRolesContract } from '../../../contract/roles.contract';
import { describeSignInStoreContract } from '../../../contract/sign-in-store.contract';
import { describeInvitationStoreContract } from '../../../contract/invitation-store.contract';
import { countingDb } from '../../../helpers/counting-db';
import { createMingoDb } from './mingo-db';

const registry = loadBuiltinRegistry();

async function makeStore(): Promise<StoreUnderTest> {
  const { db: mingo, collections } = createMingoDb();
  const { db, documentsWritten } = countingDb(mingo);
  const store = mongoStoreOn({ db, registry, close: async () => undefined });
  await store.prepare();
  return {
    store,
    cleanup: () => store.close(),
    rowsWritten: async () => documentsWritten(),
    // Every collection the store has written: documents that carry the tenant id, or are keyed by it (the tenant's
    // own document, its settings).
    async remainingOf(tenantId) {
      const remaining: Record<string, number> = {};
      for (const [name, collection] of collections) {
        const owned = (document: Record<string, unknown>) =>
          document.tenantId === tenantId || document._id === tenantId || (document.metadata as { tenantId?: unknown } | undefined)?.tenantId === tenantId;
        const n = collection.documents.filter(owned).length;
        if (n > 0) remaining[name] = n;
      }
      // GridFS chunks name their file only: chunks whose file document is gone are content left behind.
      const files = new Set((collections.get('blobs.files')?.documents ?? []).map((document) => String(document._id)));
      const orphans = (collections.get('blobs.chunks')?.documents ?? []).filter((chunk) => !files.has(String(chunk.files_id))).length;
      if (orphans > 0) remaining['blobs.chunks without a file'] = orphans;
      return remaining;
    },
  };
}

describeStoreContract('mongo store on mingo', makeStore);
// The stand-in scans its documents for most queries: the large group is smaller here (the delta is what is checked).
describeMembershipStoreContract('mongo store on mingo', makeStore, { largeGroupSize: 10_000 });
describeSettingsStoreContract('mongo store on mingo', makeStore);
describeSignInStoreContract('mongo store on mingo', makeStore);
describeInvitationStoreContract('mongo store on mingo', makeStore);
describeJobStoreContract('mongo store on mingo', makeStore);
describeOutboxStoreContract('mongo store on mingo', makeStore);
describeAuditEventStoreContract('mongo store on mingo', makeStore);
describeWriteEffectsContract('mongo store on mingo', makeStore);
describeBlobStoreContract('mongo store on mingo', makeStore);
describeRateLimitStoreContract('mongo store on mingo', makeStore);
describeIdempotencyStoreContract('mongo store on mingo', makeStore);
describeRolesContract('mongo store on mingo', makeStore);

// Cut off between the store's calls and, inside them, between every database call (the stand-in's failCall): a
// network error there is what a crash or an outage looks like to the store.
describeMembershipCrashContract('mongo store on mingo', async () => {
  const { db, controls } = createMingoDb();
  const store = mongoStoreOn({ db, registry, close: async () => undefined });
  await store.prepare();
  return {
    store,
    failDatabaseCall: (n) => controls.failCall(n, new MongoNetworkError('injected failure')),
    databaseCalls: () => controls.calls,
    databaseWrites: new Set(['insertOne', 'findOneAndUpdate', 'findOneAndDelete', 'updateOne', 'updateMany', 'deleteOne', 'deleteMany', 'bulkWrite']),
  };
});

// Races between a member PATCH and another write; here also inside settle(), which takes several database calls.
describeMembershipRaceContract(
  'mongo store on mingo',
  async () => {
    const { db, controls } = createMingoDb();
    const store = mongoStoreOn({ db, registry, close: async () => undefined });
    await store.prepare();
    return { store, holdNextDatabaseCall: (operation) => controls.holdNext(operation) };
  },
  { settlesInSteps: true },
);

// The MongoDB store writes a resource and its outbox messages in separate operations. A process that dies between them
// is simulated by a failure of the step after the write: the messages must still reach the outbox, and only when the
// write happened.
describe('mongo store on mingo: write effects across a process that dies mid-write', () => {
  const at = (seconds: number) => new Date(Date.parse('2024-05-01T00:00:00.000Z') + seconds * 1000).toISOString();
  const gone = new Error('connection lost');
  const effect = (name: string) => ({ id: `m-${name}`, tenantId: 't1', topic: 'audit', key: `k-${name}`, payload: { name }, created: at(1) });
  const user = (id: string, userName: string) => ({ resourceType: 'User', id, created: at(1), attributes: { userName }, internal: {} });

  async function storeWithControls() {
    const { db, controls } = createMingoDb();
    const store = mongoStoreOn({ db, registry, close: async () => undefined });
    await store.prepare();
    return { store, controls };
  }

  it('a create or replace whose messages never reached the outbox leaves them in the document, and recovery appends them once', async () => {
    const { store, controls } = await storeWithControls();
    // The outbox append (one bulkWrite) fails after the insert: the create reports the failure, but it happened.
    controls.failNext('bulkWrite', gone);
    await expect(store.resources.create('t1', user('u1', 'a@example.com'), [effect('create')])).rejects.toThrow();
    await store.resources.create('t1', user('u2', 'b@example.com'));
    controls.failNext('bulkWrite', gone);
    await expect(store.resources.replace('t1', 'User', 'u2', { lastModified: at(2), attributes: { userName: 'c@example.com' }, internal: {} }, 1, [effect('replace')])).rejects.toThrow();
    expect(await store.outbox.list('t1', { limit: 10 })).toEqual([]);
    // The documents read as they were written, without the messages they carry.
    expect(await store.resources.get('t1', 'User', 'u1')).toMatchObject({ attributes: { userName: 'a@example.com' }, internal: {} });
    expect(await store.resources.get('t1', 'User', 'u2')).toMatchObject({ version: 2, attributes: { userName: 'c@example.com' } });

    // Recovery takes only writes older than its bound (a write in progress is not its business).
    expect(await store.resources.recoverEffects(at(1), 10)).toBe(0);
    expect(await store.resources.recoverEffects(at(100), 10)).toBe(2);
    expect((await store.outbox.list('t1', { limit: 10 })).map((message) => [message.key, message.payload])).toEqual([
      ['k-create', { name: 'create' }],
      ['k-replace', { name: 'replace' }],
    ]);
    // Done once: the documents no longer hold them.
    expect(await store.resources.recoverEffects(at(100), 10)).toBe(0);
  });

  it('a delete whose document went but whose messages were never released: they surface after the hold, with the condition to check', async () => {
    const { store, controls } = await storeWithControls();
    await store.resources.create('t1', user('u1', 'a@example.com'));
    // The release (an updateMany) fails after the delete.
    controls.failNext('updateMany', gone);
    await expect(store.resources.delete('t1', 'User', 'u1', undefined, [effect('delete')])).rejects.toThrow();
    expect(await store.resources.get('t1', 'User', 'u1')).toBeNull();
    const claim = (seconds: number) => store.outbox.claim({ topics: ['audit'], limit: 10, now: at(seconds), claimExpires: at(seconds + 60), token: `t${seconds}` });
    expect(await claim(2)).toEqual([]);
    expect(await claim(31)).toMatchObject([{ key: 'k-delete', condition: { kind: 'resourceDeleted', resourceType: 'User', id: 'u1' } }]);
  });

  it('a delete that never reached the document leaves held messages whose condition is false', async () => {
    const { store, controls } = await storeWithControls();
    await store.resources.create('t1', user('u1', 'a@example.com'));
    controls.failNext('findOneAndDelete', gone);
    await expect(store.resources.delete('t1', 'User', 'u1', undefined, [effect('delete')])).rejects.toThrow();
    expect(await store.resources.get('t1', 'User', 'u1')).not.toBeNull();
    const held = await store.outbox.list('t1', { limit: 10 });
    expect(held).toMatchObject([{ key: 'k-delete', availableAt: at(31), condition: { kind: 'resourceDeleted', resourceType: 'User', id: 'u1' } }]);
  });

  it('a tombstone whose messages never reached the outbox: settling the delete appends them before the document goes', async () => {
    const { store, controls } = await storeWithControls();
    await store.resources.create('t1', user('u1', 'a@example.com'));
    controls.failNext('bulkWrite', gone);
    const tombstone = { lastModified: at(2), pending: [{ id: 'p-delete', change: { kind: 'delete' as const } }] };
    await expect(store.resources.mark('t1', 'User', 'u1', tombstone, undefined, [effect('delete')])).rejects.toThrow();
    expect(await store.outbox.list('t1', { limit: 10 })).toEqual([]);
    // A reader finishes the delete (resource-service.ts load): the messages the tombstone carries reach the outbox first.
    await store.memberships.settle('t1', 'User', 'u1');
    expect(await store.resources.get('t1', 'User', 'u1')).toBeNull();
    expect((await store.outbox.list('t1', { limit: 10 })).map((message) => [message.key, message.condition ?? null])).toEqual([['k-delete', null]]);
  });

  it('a delete appends what an earlier write left in the document', async () => {
    const { store, controls } = await storeWithControls();
    controls.failNext('bulkWrite', gone);
    await expect(store.resources.create('t1', user('u1', 'a@example.com'), [effect('create')])).rejects.toThrow();
    await store.resources.delete('t1', 'User', 'u1', undefined, [effect('delete')]);
    expect((await store.outbox.list('t1', { limit: 10 })).map((message) => [message.key, message.condition ?? null])).toEqual([
      ['k-create', null],
      ['k-delete', null],
    ]);
  });
});

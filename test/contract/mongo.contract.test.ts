// The store contracts (resources, tenants and tokens, memberships, settings) against a real MongoDB server, when MONGODB_URI
// names one; every store under test gets its own database, dropped afterwards. Without MONGODB_URI this file reports
// ONE skipped test that says how to run it: the MongoDB leg is never passed silently.
//
//   MONGODB_URI='mongodb://localhost:27017/?directConnection=true' npm run test:mongo
//
// (a replica set, e.g. the one docker-compose.yml starts, is what production uses; a standalone mongod works too:
// the store needs no transactions). The query compiler is checked without a server in
// test/unit/store/mongo/filter-to-mongo.test.ts, and the store's logic on mingo in mongo-store-on-mingo.test.ts.
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { createMongoStore, mongoStoreOn } from '../../src/store/mongo/mongo-store';
import { COLLECTIONS, planIndexes } from '../../src/store/mongo/indexes';
import { createStoreModel } from '../../src/store/model/resource-model';
import { countingDb } from '../helpers/counting-db';
import { registryWith } from '../helpers/changed-registry';
import { describeMembershipStoreContract } from './membership-store.contract';
import { describeMembershipRaceContract } from './membership-race.contract';
import { describeStoreContract, type StoreUnderTest } from './resource-store.contract';
import { describeBlobStoreContract } from './blob-store.contract';
import { describeJobStoreContract } from './job-store.contract';
import { describeOutboxStoreContract } from './outbox-store.contract';
import { describeAuditEventStoreContract } from './audit-event-store.contract';
import { describeWriteEffectsContract } from './write-effects.contract';
import { describeSettingsStoreContract } from './settings-store.contract';
import { describeIdempotencyStoreContract } from './idempotency-store.contract';
import { describeRateLimitStoreContract } from './rate-limit-store.contract';
import { describeRolesContract } from './roles.contract';
import { describeSignInStoreContract } from './sign-in-store.contract';
import { describeInvitationStoreContract } from './invitation-store.contract';

const uri = process.env.MONGODB_URI;
const registry = loadBuiltinRegistry();

if (!uri) {
  const how = "MONGODB_URI is not set; run it with MONGODB_URI='mongodb://localhost:27017/?directConnection=true' npm run test:mongo";
  process.stderr.write(`MongoDB store contract SKIPPED: ${how}\n`);
  describe('MongoDB store contract', () => {
    it.skip(`SKIPPED (no MongoDB server): ${how}`, () => undefined);
  });
} else {
  const serverUri = uri;
  let client: MongoClient;

  beforeAll(async () => {
    client = new MongoClient(serverUri, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
  });

  /** A store on a database of its own (the contract makes a fresh store per test). */
  const makeStore = async (): Promise<StoreUnderTest> => {
    const db = client.db(`scim_contract_${randomUUID().replace(/-/g, '').slice(0, 16)}`);
    const counting = countingDb(db);
    const store = mongoStoreOn({ db: counting.db, registry, close: async () => undefined });
    await store.prepare();
    return {
      store,
      rowsWritten: async () => counting.documentsWritten(),
      async cleanup() {
        await store.close();
        await db.dropDatabase();
      },
    };
  };

  describeStoreContract('mongodb', makeStore);
  describeMembershipStoreContract('mongodb', makeStore);
  describeMembershipRaceContract('mongodb', makeStore);
  describeSettingsStoreContract('mongodb', makeStore);
describeSignInStoreContract('mongodb', makeStore);
  describeInvitationStoreContract('mongodb', makeStore);
  describeJobStoreContract('mongodb', makeStore);
  describeOutboxStoreContract('mongodb', makeStore);
  describeAuditEventStoreContract('mongodb', makeStore);
  describeWriteEffectsContract('mongodb', makeStore);
  describeBlobStoreContract('mongodb', makeStore);
  describeRateLimitStoreContract('mongodb', makeStore);
  describeIdempotencyStoreContract('mongodb', makeStore);
  describeRolesContract('mongodb', makeStore);

  describe('mongodb: store operations', () => {
    it('creates the planned indexes at start-up, idempotently', async () => {
      const db = client.db(`scim_indexes_${randomUUID().replace(/-/g, '').slice(0, 16)}`);
      try {
        const plan = planIndexes(registry, createStoreModel(registry));
        const first = mongoStoreOn({ db, registry, close: async () => undefined });
        await first.prepare();
        const again = mongoStoreOn({ db, registry, close: async () => undefined });
        await again.prepare();
        for (const [collection, indexes] of Object.entries(plan.indexes)) {
          const names = (await db.collection(collection).listIndexes().toArray().catch(() => [])).map((index) => index.name as string);
          for (const index of indexes) expect(names).toContain(index.name);
        }
        const userName = (await db.collection(COLLECTIONS.resources).listIndexes().toArray()).find((index) => index.name === 'unique_userName');
        expect(userName).toMatchObject({ unique: true, key: { tenantId: 1, resourceType: 1, 'u.userName': 1 } });
      } finally {
        await db.dropDatabase();
      }
    });

    it('rebuilds for a new schema model in batches, and refuses writes of the old version to rebuilt resources', async () => {
      const db = client.db(`scim_models_${randomUUID().replace(/-/g, '').slice(0, 16)}`);
      try {
        const old = mongoStoreOn({ db, registry, close: async () => undefined });
        await old.prepare();
        for (let i = 0; i < 5; i++) {
          await old.resources.create('t1', { resourceType: 'User', id: `u-${i}`, created: '2024-01-01T00:00:00.000Z', attributes: { userName: `user${i}`, nickName: `n${i}` }, internal: {} });
        }
        const neu = mongoStoreOn({ db, registry: registryWith({ nickName: { uniqueness: 'server' } }), close: async () => undefined });
        await neu.prepare();
        expect(await neu.derivedData!.state()).toBe('rebuilding');
        const first = await neu.derivedData!.rebuildBatch(undefined, 3);
        await expect(old.resources.replace('t1', 'User', 'u-0', { lastModified: '2024-01-02T00:00:00.000Z', attributes: { userName: 'user0' }, internal: {} })).rejects.toMatchObject({ code: 'unavailable' });
        await expect(old.resources.create('t1', { resourceType: 'User', id: 'late', created: '2024-01-01T00:00:00.000Z', attributes: { userName: 'late' }, internal: {} })).rejects.toMatchObject({ code: 'unavailable' });
        expect(await neu.resources.get('t1', 'User', 'late')).toBeNull();
        expect(await neu.derivedData!.rebuildBatch(first.next, 3)).toEqual({ rebuilt: 2, scanned: 2 });
        expect(await neu.derivedData!.state()).toBe('current');
        expect(await db.collection(COLLECTIONS.resources).countDocuments({ m: { $ne: neu.derivedData!.model } })).toBe(0);
        await expect(neu.resources.create('t1', { resourceType: 'User', id: 'dup', created: '2024-01-01T00:00:00.000Z', attributes: { userName: 'dup', nickName: 'N1' }, internal: {} })).rejects.toMatchObject({
          code: 'conflict',
          attribute: 'nickName',
        });
      } finally {
        await db.dropDatabase();
      }
    });

    it('answers ping, and close() closes its client: every call is then unavailable', async () => {
      const database = `scim_close_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      const separator = serverUri.includes('?') ? serverUri.indexOf('?') : serverUri.length;
      const hostPart = serverUri.slice(0, separator).replace(/^(mongodb(?:\+srv)?:\/\/[^/]*)(\/.*)?$/, '$1');
      const store = createMongoStore({ uri: `${hostPart}/${database}${serverUri.slice(separator)}`, registry });
      try {
        await store.prepare();
        await expect(store.ping()).resolves.toBeUndefined();
        await store.resources.create('t1', { resourceType: 'User', id: 'u-1', created: '2024-01-01T00:00:00.000Z', attributes: { userName: 'a' }, internal: {} });
        expect(await client.db(database).collection(COLLECTIONS.resources).countDocuments({ tenantId: 't1' })).toBe(1);
      } finally {
        await store.close();
        await client.db(database).dropDatabase();
      }
      await expect(store.ping()).rejects.toMatchObject({ code: 'unavailable' });
      await expect(store.resources.get('t1', 'User', 'u-1')).rejects.toMatchObject({ code: 'unavailable' });
    });
  });
}

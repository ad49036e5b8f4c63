// The store contracts on the MongoDB store's own code, over an in-memory stand-in for the driver's collections whose
// queries, aggregations and updates mingo evaluates (mingo-db.ts). Where a MongoDB server is available,
// test/contract/mongo.contract.test.ts runs the same contracts against it.
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { mongoStoreOn } from '../../../../src/store/mongo/mongo-store';
import { MongoNetworkError } from 'mongodb';
import { describeMembershipCrashContract } from '../../../contract/membership-crash.contract';
import { describeMembershipStoreContract } from '../../../contract/membership-store.contract';
import { describeStoreContract, type StoreUnderTest } from '../../../contract/resource-store.contract';
import { describeBlobStoreContract } from '../../../contract/blob-store.contract';
import { describeJobStoreContract } from '../../../contract/job-store.contract';
import { describeOutboxStoreContract } from '../../../contract/outbox-store.contract';
import { describeSettingsStoreContract } from '../../../contract/settings-store.contract';
import { describeIdempotencyStoreContract } from '../../../contract/idempotency-store.contract';
import { describeRateLimitStoreContract } from '../../../contract/rate-limit-store.contract';
import { describeRolesContract } from '../../../contract/roles.contract';
import { describeSignInStoreContract } from '../../../contract/sign-in-store.contract';
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
describeJobStoreContract('mongo store on mingo', makeStore);
describeOutboxStoreContract('mongo store on mingo', makeStore);
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
    databaseWrites: new Set(['insertOne', 'findOneAndUpdate', 'updateOne', 'updateMany', 'deleteOne', 'deleteMany', 'bulkWrite']),
  };
});

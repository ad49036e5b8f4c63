// The two stores a test can open without a server: the embedded store in memory, and the MongoDB store on the mingo
// stand-in (test/unit/store/mongo/mingo-db.ts). For tests that run the same steps on both (describe.each).
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { mongoStoreOn } from '../../src/store/mongo/mongo-store';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { Store } from '../../src/store/tenant-store';
import { createMingoDb } from '../unit/store/mongo/mingo-db';

const registry = loadBuiltinRegistry();

export const IN_MEMORY_STORES: ReadonlyArray<[string, () => Promise<Store>]> = [
  ['sqlite', async () => createSqliteStore({ path: ':memory:', registry })],
  [
    'mongodb store on mingo',
    async () => {
      const store = mongoStoreOn({ db: createMingoDb().db, registry, close: async () => undefined });
      await store.prepare();
      return store;
    },
  ],
];

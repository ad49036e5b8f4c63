// The two stores the lifecycle tests run on: the embedded SQLite store, and the MongoDB store's own code over the
// in-memory mingo stand-in of the driver (test/unit/store/mongo/mingo-db.ts), each fresh per test.
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { mongoStoreOn } from '../../../../src/store/mongo/mongo-store';
import { createSqliteStore } from '../../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../../src/store/tenant-store';
import { createMingoDb } from '../../store/mongo/mingo-db';

const registry = loadBuiltinRegistry();

export const STORES: ReadonlyArray<readonly [string, () => Promise<Store>]> = [
  ['sqlite', async () => createSqliteStore({ path: ':memory:', registry })],
  [
    'mongodb (mingo)',
    async () => {
      const store = mongoStoreOn({ db: createMingoDb().db, registry, close: async () => undefined });
      await store.prepare();
      return store;
    },
  ],
];

// The store contract on the embedded SQLite store: once in memory, once on a file in WAL mode.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBuiltinRegistry } from '../../src/scim/schema/builtin-registry';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { describeMembershipStoreContract } from './membership-store.contract';
import { describeStoreContract } from './resource-store.contract';

const registry = loadBuiltinRegistry();

describeStoreContract('sqlite :memory:', async () => {
  const store = createSqliteStore({ path: ':memory:', registry });
  return { store, cleanup: () => store.close() };
});

describeStoreContract('sqlite file', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'scim-sqlite-contract-'));
  // A directory that does not exist yet: the store creates it.
  const store = createSqliteStore({ path: join(directory, 'nested', 'scim.db'), registry });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});

describeMembershipStoreContract('sqlite :memory:', async () => {
  const store = createSqliteStore({ path: ':memory:', registry });
  return { store, cleanup: () => store.close() };
});

describeMembershipStoreContract('sqlite file', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'scim-sqlite-membership-'));
  const store = createSqliteStore({ path: join(directory, 'scim.db'), registry });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});

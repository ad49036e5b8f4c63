// Both stores derive their search data from the registry, so an operator who changes SCIM_SCHEMAS_DIR between two
// starts changes what is derived: the rebuild must follow it (new characteristics, a new unique attribute, an
// extension taken away and brought back), on the embedded store (a file, at open) and on the MongoDB store's code
// (mingo, the batches of the background job).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from 'mongodb';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { registryWithOperatorSchemas, type SchemaFile } from '../../../src/scim/schema/operator-schemas';
import type { SchemaRegistry } from '../../../src/scim/schema/registry';
import type { JsonValue } from '../../../src/store/json-value';
import { mongoStoreOn } from '../../../src/store/mongo/mongo-store';
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../src/store/tenant-store';
import { filterBuilder } from '../../contract/filter-builder';
import { createMingoDb } from './mongo/mingo-db';

const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'schemas-dir', 'acme-user.json');
const T0 = '2024-01-01T00:00:00.000Z';

/** The fixture's Acme extension with some attributes' characteristics changed, and more attributes. */
function acmeRegistry(changes: Record<string, Record<string, unknown>> = {}, more: unknown[] = []): SchemaRegistry {
  const schema = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { attributes: { name: string }[] };
  const attributes = [...schema.attributes.map((attribute) => ({ ...attribute, ...changes[attribute.name] })), ...more];
  const file: SchemaFile = { name: 'acme-user.json', text: JSON.stringify({ ...schema, attributes }) };
  return registryWithOperatorSchemas([file]);
}

/** Opens one store (the same data every time) with a registry, as a restart with another SCIM_SCHEMAS_DIR does. */
type Reopen = (registry: SchemaRegistry) => Promise<Store>;

const STORES: readonly [string, () => { reopen: Reopen; cleanUp: () => void }][] = [
  [
    'SQLite',
    () => {
      const directory = mkdtempSync(join(tmpdir(), 'scim-operator-schemas-'));
      return {
        reopen: async (registry) => createSqliteStore({ path: join(directory, 'scim.db'), registry }),
        cleanUp: () => rmSync(directory, { recursive: true, force: true }),
      };
    },
  ],
  [
    'MongoDB (mingo)',
    () => {
      const db: Db = createMingoDb().db;
      return {
        reopen: async (registry) => {
          const store = mongoStoreOn({ db, registry, close: async () => undefined });
          await store.prepare();
          // What a started server's background job does after the schemas changed (src/jobs/derived-data-rebuild.ts):
          // rebuild the stored resources for the new model, batch after batch, to the end.
          for (let after = undefined as JsonValue | undefined, done = false; !done; ) {
            const batch = await store.derivedData!.rebuildBatch(after, 100);
            after = batch.next;
            done = after === undefined;
          }
          return store;
        },
        cleanUp: () => undefined,
      };
    },
  ],
];

describe.each(STORES)('the %s store when SCIM_SCHEMAS_DIR changes between starts', (_name, open) => {
  let reopen: Reopen;
  let cleanUp: () => void;
  beforeEach(() => ({ reopen, cleanUp } = open()));
  afterEach(() => cleanUp());

  const create = (store: Store, id: string, acme: Record<string, unknown>) =>
    store.resources.create('t1', { resourceType: 'User', id, created: T0, attributes: { userName: id, [ACME]: acme }, internal: {} });
  const count = async (store: Store, registry: SchemaRegistry, build: (users: ReturnType<typeof filterBuilder>) => ReturnType<ReturnType<typeof filterBuilder>['eq']>) =>
    (await store.resources.list('t1', { resourceType: 'User', filter: build(filterBuilder(registry, 'User')), page: { kind: 'index', startIndex: 1, count: 10 } })).totalResults;

  it('derives search data for extension attributes, and rebuilds it for changed characteristics and new attributes', async () => {
    const first = acmeRegistry();
    const store = await reopen(first);
    await create(store, 'u-1', { costCenter: 'Ops', level: 2 });
    await create(store, 'u-2', { costCenter: 'Sales', level: 9 });
    expect(await count(store, first, (users) => users.eq(`${ACME}:costCenter`, 'OPS'))).toBe(1);
    expect(await count(store, first, (users) => users.gt(`${ACME}:level`, 5))).toBe(1);
    await store.close();

    // costCenter becomes case-exact and unique; a new attribute appears.
    const second = acmeRegistry({ costCenter: { caseExact: true, uniqueness: 'server' } }, [{ name: 'floor', type: 'integer' }]);
    const restarted = await reopen(second);
    try {
      expect(await count(restarted, second, (users) => users.eq(`${ACME}:costCenter`, 'OPS'))).toBe(0);
      expect(await count(restarted, second, (users) => users.eq(`${ACME}:costCenter`, 'Ops'))).toBe(1);
      await expect(create(restarted, 'u-3', { costCenter: 'Ops' })).rejects.toMatchObject({ code: 'conflict' });
      await create(restarted, 'u-4', { costCenter: 'ops', floor: 3 });
      expect(await count(restarted, second, (users) => users.eq(`${ACME}:floor`, 3))).toBe(1);
    } finally {
      await restarted.close();
    }
  });

  it('keeps the data of an extension that is taken away, and searches it again when the extension comes back', async () => {
    const acme = acmeRegistry();
    const store = await reopen(acme);
    await create(store, 'u-1', { costCenter: 'Ops' });
    await store.close();

    const builtin = loadBuiltinRegistry();
    const without = await reopen(builtin);
    try {
      // Nothing is deleted: the attributes stay in the stored resource, the server just does not know them now.
      expect((await without.resources.get('t1', 'User', 'u-1'))?.attributes).toEqual({ userName: 'u-1', [ACME]: { costCenter: 'Ops' } });
      expect(await count(without, builtin, (users) => users.eq('userName', 'U-1'))).toBe(1);
    } finally {
      await without.close();
    }

    const back = await reopen(acme);
    try {
      expect(await count(back, acme, (users) => users.eq(`${ACME}:costCenter`, 'ops'))).toBe(1);
    } finally {
      await back.close();
    }
  });
});

// An import keeps nothing of a record once the record is settled (README "Export and import": memory stays bounded
// however many records a file holds). The records go through what the import job runs them in (the in-order pool and
// one record importer for the whole file); each record, and each outcome, is watched through a WeakRef. Late in the run
// (the pool, the importer and its turns all still at work) a full garbage collection must free every record settled
// before, and after the run, with the importer still in hand as a job holds it until its end, all of them.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { IMPORT_CONCURRENCY, runInOrder } from '../../../../src/extensions/transfer/in-order-pool';
import { createRecordImporter, type ImportResult } from '../../../../src/extensions/transfer/record-importer';
import { createOpener } from '../../../../src/extensions/transfer/sealed-hash';
import { OnConflict } from '../../../../src/extensions/transfer/transfer-requests';
import { createTurns } from '../../../../src/extensions/transfer/turns';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import type { Store } from '../../../../src/store/tenant-store';
import { manualClock, servicesOn } from '../../../helpers/lifecycle';
import { tokenContext } from '../../../helpers/request-context';
import { STORES } from '../lifecycle/stores';

// A full collection on demand, without starting Node with --expose-gc: the flag reaches contexts created after it.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const registry = loadBuiltinRegistry();
const context = tokenContext('t1');
const RECORDS = 120;
/** As many records in flight as an import has by default. */
const CONCURRENCY = IMPORT_CONCURRENCY;
/** The record whose settling checks what the run still holds of those before it. */
const CHECK_AT = RECORDS - 20;

/** A record as an export file holds it: every user in the one big group, every third in a group of its own too. */
function record(index: number) {
  const groups = [{ value: 'old-big', display: 'Everyone' }, ...(index % 3 === 0 ? [{ value: `old-g${index}`, display: `Team ${index}` }] : [])];
  return {
    user: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `user${index}@example.com`, displayName: `User ${index}`, groups },
    originalId: `old-${index}`,
    lifecycle: { state: 'active' },
  };
}

/** How many of `refs` still point at something after a full collection, outside the job that last touched them. */
async function stillHeld(refs: readonly WeakRef<object>[]): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  return refs.filter((ref) => ref.deref() !== undefined).length;
}

// The importer and the pool are the same code over either store: the embedded one is enough here.
describe.each(STORES.slice(0, 1))('an import on %s', (_name, openStore) => {
  let store: Store;

  beforeEach(async () => {
    store = await openStore();
    await store.tenants.createTenant({ id: 't1', name: 't1', profile: 'standard', created: '2026-01-01T00:00:00.000Z' });
  });
  afterEach(() => store.close());

  it(`holds none of ${RECORDS} records or their outcomes once they are settled`, async () => {
    const { resources } = servicesOn(store, manualClock());
    const importer = createRecordImporter({ registry, resources, warn: () => undefined }, { context, onConflict: OnConflict.fail, opener: createOpener('an export secret of some length', { maxKeys: 4 }) });
    const records: WeakRef<object>[] = [];
    const outcomes: WeakRef<object>[] = [];
    let created = 0;
    let lastIndex = -1;
    let heldMidway: number | undefined;
    const values = (function* () {
      for (let index = 0; index < RECORDS; index++) {
        const value = record(index);
        records.push(new WeakRef(value));
        yield { value, index };
      }
    })();
    await runInOrder(values, {
      concurrency: CONCURRENCY,
      work: ({ value, index }) => importer.importRecord(value, index),
      settle: async (result: ImportResult) => {
        if (result.index === CHECK_AT) heldMidway = (await stillHeld(records.slice(0, CHECK_AT))) + (await stillHeld(outcomes));
        outcomes.push(new WeakRef(result));
        if (result.status === 'created') created += 1;
        lastIndex = result.index;
      },
    });
    // The run did the work: every record is a user, in file order, so what is freed below was really used.
    expect(created).toBe(RECORDS);
    expect(lastIndex).toBe(RECORDS - 1);
    expect(records).toHaveLength(RECORDS);

    expect(heldMidway).toBe(0);
    expect(await stillHeld(records)).toBe(0);
    expect(await stillHeld(outcomes)).toBe(0);
    // The importer lives on (as it does for the whole job) and still works: it was not its end that freed them.
    await expect(importer.importRecord(record(RECORDS), RECORDS)).resolves.toMatchObject({ status: 'created' });
  });
});

it('keeps no key once every turn at it is released, in whatever order they were taken and released', async () => {
  const take = createTurns();
  const turns = Array.from({ length: 50 }, (_, index) => take(`key ${index % 7}`));
  expect(take.size).toBe(7);
  for (const turn of turns.filter((_, index) => index % 2 === 1)) turn.release();
  for (const turn of turns) {
    await turn.ready;
    turn.release();
  }
  expect(take.size).toBe(0);
});

// On MongoDB the driver is asynchronous, so a slow query never holds the event loop; what bounds it is the server:
// every read of a list or search (its count and its page, plain find or sort pipeline) carries maxTimeMS
// (SCIM_QUERY_TIMEOUT_MS), and a query the server stops there (MaxTimeMSExpired) is StoreError `timeout` (503).
import { MongoServerError } from 'mongodb';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { mongoStoreOn } from '../../../../src/store/mongo/mongo-store';
import type { StoreQuery } from '../../../../src/store/resource-store';
import { storeErrorToScim } from '../../../../src/resources/store-errors';
import { isStoreError } from '../../../../src/store/store-error';
import { filterBuilder } from '../../../contract/filter-builder';
import { createMingoDb } from './mingo-db';
import { recordingReads } from './recording-reads';

const registry = loadBuiltinRegistry();
const users = filterBuilder(registry, 'User');
describe('MongoDB query time limit', () => {
  const page = { kind: 'index' as const, startIndex: 1, count: 10 };

  it('sends maxTimeMS with the count and the page of every list, sorted in the database or not', async () => {
    const mingo = createMingoDb();
    const { db, reads } = recordingReads(mingo.db);
    const store = mongoStoreOn({ db, registry, close: async () => undefined, queryTimeoutMs: 1234 });
    await store.resources.create('t1', { resourceType: 'User', id: 'u1', created: '2026-01-01T00:00:00.000Z', attributes: { userName: 'ann', title: 'x' }, internal: {} });
    const queries: StoreQuery[] = [
      { resourceType: 'User', filter: users.compare('userName', 'sw', 'a'), page },
      // A sort on an attribute without an index of its own goes through the aggregation pipeline.
      { resourceType: 'User', sort: { path: users.path('title'), descending: false }, page },
    ];
    for (const query of queries) {
      reads.length = 0;
      expect((await store.resources.list('t1', query)).totalResults).toBe(1);
      expect(reads.map((read) => read.operation)).toEqual(['countDocuments', query.sort ? 'aggregate' : 'find']);
      for (const read of reads) expect(read.options).toMatchObject({ maxTimeMS: 1234 });
    }
  });

  it('answers a query the server stopped at maxTimeMS as StoreError timeout, which the service answers 503', async () => {
    const { db, controls } = createMingoDb();
    const store = mongoStoreOn({ db, registry, close: async () => undefined, queryTimeoutMs: 1234 });
    // Prepared first (start-up counts documents too), so that the failure meets the list's own count.
    await store.resources.list('t1', { resourceType: 'User', page });
    controls.failNext('countDocuments', new MongoServerError({ message: 'operation exceeded time limit', code: 50, codeName: 'MaxTimeMSExpired' }));
    const failure = await store.resources.list('t1', { resourceType: 'User', page }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'timeout' });
    expect(isStoreError(failure, 'timeout')).toBe(true);
    expect(storeErrorToScim(failure, 'User')).toMatchObject({ status: 503, detail: expect.stringContaining("ran past the server's time limit") });
  });
});

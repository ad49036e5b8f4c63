// The MongoDB store's operational behaviour: preparing the database (indexes, rebuild of derived fields), an
// unreachable server at start-up and at run time, error mapping on real writes, client options, and closing.
import { MongoClient, MongoNetworkError, MongoServerError, type TopologyDescriptionChangedEvent } from 'mongodb';
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { createStoreModel } from '../../../../src/store/model/resource-model';
import { COLLECTIONS, planIndexes } from '../../../../src/store/mongo/indexes';
import {
  CLIENT_DEFAULTS,
  clientOptionsFor,
  createMongoStore,
  databaseNameOf,
  mongoStoreOn,
  watchTopology,
  type StoreLogger,
} from '../../../../src/store/mongo/mongo-store';
import type { NewResource } from '../../../../src/store/resource-store';
import { StoreError } from '../../../../src/store/store-error';
import { createMingoDb } from './mingo-db';

const registry = loadBuiltinRegistry();
const T0 = '2024-01-01T00:00:00.000Z';
const user = (id: string, userName: string, extra: Record<string, unknown> = {}): NewResource => ({
  resourceType: 'User',
  id,
  created: T0,
  attributes: { userName, ...extra },
  internal: {},
});
const networkError = () => new MongoNetworkError('connect ECONNREFUSED 10.0.0.1:27017');

function recordingLogger(): StoreLogger & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (_details, message) => lines.push(`info: ${message}`),
    warn: (_details, message) => lines.push(`warn: ${message}`),
    error: (_details, message) => lines.push(`error: ${message}`),
  };
}

function setup(logger?: StoreLogger) {
  const fake = createMingoDb();
  const close = jest.fn(async () => undefined);
  const store = mongoStoreOn({ db: fake.db, registry, logger, close });
  return { ...fake, store, close };
}

describe('prepare and the readiness gate', () => {
  it('creates the indexes once, before the first operation', async () => {
    const { store, collections, controls } = setup();
    await store.resources.create('t1', user('u-1', 'a'));
    await store.resources.get('t1', 'User', 'u-1');
    // One createIndexes per collection that has indexes of its own, and only once.
    const collectionsWithIndexes = Object.values(planIndexes(registry, createStoreModel(registry)).indexes).filter((indexes) => indexes.length > 0).length;
    expect(controls.calls.filter((call) => call === 'createIndexes').length).toBe(collectionsWithIndexes);
    expect(collections.get(COLLECTIONS.resources)!.indexes.has('unique_userName')).toBe(true);
  });

  it('writes nothing while the unique indexes cannot be created, and recovers on the next call', async () => {
    const { store, controls, collections } = setup();
    controls.failNext('createIndexes', networkError());
    await expect(store.resources.create('t1', user('u-1', 'a'))).rejects.toMatchObject({ name: 'StoreError', code: 'unavailable' });
    expect(controls.calls).not.toContain('insertOne');
    expect(collections.get(COLLECTIONS.resources)?.documents ?? []).toEqual([]);
    // The server is back: the same call now succeeds.
    await expect(store.resources.create('t1', user('u-1', 'a'))).resolves.toMatchObject({ id: 'u-1', version: 1 });
  });

  it('retries at start-up while MongoDB is unreachable, logging each attempt', async () => {
    const logger = recordingLogger();
    const { store, controls } = setup(logger);
    controls.failNext('findOne', networkError(), 2);
    await store.prepare({ waitMs: 10_000 });
    expect(logger.lines).toEqual(['warn: MongoDB is unreachable; retrying', 'warn: MongoDB is unreachable; retrying']);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('starts without MongoDB after the wait, answering unavailable until it is back', async () => {
    const logger = recordingLogger();
    const { store, controls } = setup(logger);
    controls.failNext('findOne', networkError(), 3);
    await store.prepare({ waitMs: 0 });
    expect(logger.lines).toEqual(['error: MongoDB is unreachable; starting without it: requests answer 503 until it is back']);
    await expect(store.ping()).rejects.toMatchObject({ code: 'unavailable' });
    await expect(store.tenants.listTenants()).rejects.toMatchObject({ code: 'unavailable' });
    await expect(store.memberships.list('t1', 'g1', { limit: 1 })).resolves.toEqual([]);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('fails start-up for what waiting does not cure', async () => {
    const { store, controls } = setup();
    controls.failNext('findOne', new MongoServerError({ message: 'Authentication failed.', code: 18 }));
    await expect(store.prepare({ waitMs: 10_000 })).rejects.toThrow('Authentication failed.');
  });

  it('explains an index that cannot be created', async () => {
    const { store, controls } = setup();
    controls.failNext('createIndexes', new MongoServerError({ message: 'E11000 duplicate key error', code: 11000 }));
    await expect(store.prepare()).rejects.toThrow('Cannot create the indexes of the MongoDB store');
  });

  it('records a schema model it has not seen as current, rebuilds stored resources for it in batches, and then only once', async () => {
    const { store, db, collections } = setup();
    await store.resources.create('t1', user('u-1', 'BJensen', { emails: [{ value: 'B@Example.com' }] }));
    const resources = collections.get(COLLECTIONS.resources)!;
    // As a server with another derivation would have left it.
    await db.collection(COLLECTIONS.resources).updateOne({ tenantId: 't1', id: 'u-1' }, { $set: { s: {}, p: [], u: {}, m: 'older' } });
    await db.collection(COLLECTIONS.meta).updateOne({ _id: 'model' as never }, { $set: { current: 'older', history: ['older'], rebuilt: 'older' } });

    const restarted = mongoStoreOn({ db, registry, close: async () => undefined });
    await restarted.prepare();
    expect(await restarted.derivedData!.state()).toBe('rebuilding');
    // Nothing is rewritten at start-up: the rebuild is a job's work (src/jobs/derived-data-rebuild.ts).
    expect(resources.documents[0]).toMatchObject({ s: {}, m: 'older' });
    expect(await restarted.derivedData!.rebuildBatch(undefined, 10)).toEqual({ rebuilt: 1, scanned: 1 });
    expect(resources.documents[0]).toMatchObject({ s: { userName: ['bjensen'], emails: [{ value: ['b@example.com'] }] }, u: { userName: ['bjensen'] }, m: restarted.derivedData!.model });
    expect(await restarted.derivedData!.state()).toBe('current');
    const rebuiltDocument = JSON.stringify(resources.documents[0]);

    const again = mongoStoreOn({ db, registry, close: async () => undefined });
    await again.prepare();
    expect(await again.derivedData!.state()).toBe('current');
    expect(await again.derivedData!.rebuildBatch(undefined, 10)).toEqual({ rebuilt: 0, scanned: 1 });
    expect(JSON.stringify(resources.documents[0])).toBe(rebuiltDocument);
    expect((await again.resources.list('t1', { resourceType: 'User', filter: undefined, page: { kind: 'index', startIndex: 1, count: 10 } })).totalResults).toBe(1);
  });
});

describe('errors on writes and reads', () => {
  it('maps a duplicate userName on replace to a conflict naming userName, leaving the resource as it was', async () => {
    const { store } = setup();
    await store.resources.create('t1', user('u-1', 'one'));
    const two = await store.resources.create('t1', user('u-2', 'two'));
    await expect(store.resources.replace('t1', 'User', 'u-2', { lastModified: T0, attributes: { userName: 'ONE' }, internal: {} })).rejects.toMatchObject({
      code: 'conflict',
      attribute: 'userName',
    });
    expect(await store.resources.get('t1', 'User', 'u-2')).toEqual(two);
  });

  it('names the attribute from the key pattern when the message does not name the index', async () => {
    const { store, controls } = setup();
    await store.prepare();
    controls.failNext('insertOne', new MongoServerError({ message: 'E11000 duplicate key error', code: 11000, keyPattern: { tenantId: 1, resourceType: 1, 'u.userName': 1 } }));
    await expect(store.resources.create('t1', user('u-1', 'a'))).rejects.toMatchObject({ code: 'conflict', attribute: 'userName' });
  });

  it('does not copy the taken value into the conflict message', async () => {
    const { store } = setup();
    await store.resources.create('t1', user('u-1', 'secret-name'));
    const error = (await store.resources.create('t1', user('u-2', 'Secret-Name')).catch((caught: unknown) => caught)) as StoreError;
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toBe('Another User already has this userName');
  });

  it('maps network errors during reads and writes to unavailable', async () => {
    const { store, controls } = setup();
    await store.prepare();
    for (const [operation, call] of [
      ['insertOne', () => store.resources.create('t1', user('u-1', 'a'))],
      ['findOne', () => store.resources.get('t1', 'User', 'u-1')],
      ['countDocuments', () => store.resources.list('t1', { resourceType: 'User', page: { kind: 'index', startIndex: 1, count: 5 } })],
      ['findOneAndUpdate', () => store.resources.replace('t1', 'User', 'u-1', { lastModified: T0, attributes: { userName: 'b' }, internal: {} })],
      ['findOneAndDelete', () => store.resources.delete('t1', 'User', 'u-1')],
      ['bulkWrite', () => store.memberships.add('t1', 'g1', [{ value: 'u-1', type: 'User' }])],
      ['command', () => store.ping()],
    ] as const) {
      controls.failNext(operation, networkError());
      await expect(call()).rejects.toMatchObject({ name: 'StoreError', code: 'unavailable' });
    }
  });

  it('answers createMany per item: conflicts with stored rows and with earlier items, the others written', async () => {
    const { store } = setup();
    await store.resources.create('t1', user('u-0', 'taken'));
    const results = await store.resources.createMany('t1', [user('u-1', 'new'), user('u-2', 'TAKEN'), user('u-3', 'New'), user('u-0', 'other'), user('u-4', 'fine')]);
    expect(results.map((result) => (result instanceof StoreError ? `${result.code}:${result.attribute}` : result.id))).toEqual([
      'u-1',
      'conflict:userName',
      'conflict:userName',
      'conflict:id',
      'u-4',
    ]);
    const listed = await store.resources.list('t1', { resourceType: 'User', page: { kind: 'index', startIndex: 1, count: 10 } });
    expect(listed.resources.map((resource) => resource.id)).toEqual(['u-0', 'u-1', 'u-4']);
  });

  it('fails createMany as a whole when the database is unreachable', async () => {
    const { store, controls } = setup();
    await store.prepare();
    controls.failNext('bulkWrite', networkError());
    await expect(store.resources.createMany('t1', [user('u-1', 'a')])).rejects.toMatchObject({ code: 'unavailable' });
  });
});

describe('closing', () => {
  it('closes its client once, after which every call is unavailable', async () => {
    const { store, close } = setup();
    await store.ping();
    await store.close();
    await store.close();
    expect(close).toHaveBeenCalledTimes(1);
    await expect(store.ping()).rejects.toMatchObject({ code: 'unavailable' });
    await expect(store.resources.get('t1', 'User', 'u-1')).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('closes the MongoClient it made from the URI', async () => {
    const closeSpy = jest.spyOn(MongoClient.prototype, 'close');
    try {
      const store = createMongoStore({ uri: 'mongodb://127.0.0.1:1/scim?serverSelectionTimeoutMS=100', registry });
      await store.close();
      expect(closeSpy).toHaveBeenCalledTimes(1);
    } finally {
      closeSpy.mockRestore();
    }
  });
});

describe('client options', () => {
  it('uses the defaults the URI does not set, and lets the URI win (names are case-insensitive)', () => {
    expect(clientOptionsFor('mongodb://db.example.com/scim')).toEqual(CLIENT_DEFAULTS);
    const options = clientOptionsFor('mongodb://db.example.com/scim?SERVERSELECTIONTIMEOUTMS=30000&retryWrites=false&w=majority');
    expect(options).not.toHaveProperty('serverSelectionTimeoutMS');
    expect(options).not.toHaveProperty('retryWrites');
    expect(options).toMatchObject({ retryReads: true, appName: 'scim-server' });
    expect(clientOptionsFor('mongodb://db/scim', { maxPoolSize: 5 })).toMatchObject({ maxPoolSize: 5, retryWrites: true });
  });

  it('fails fast on server selection and retries reads and writes by default', () => {
    expect(CLIENT_DEFAULTS).toMatchObject({ serverSelectionTimeoutMS: 5000, retryReads: true, retryWrites: true });
  });

  it('takes the database from the URI path, else scim', () => {
    expect(databaseNameOf('mongodb://db.example.com:27017/directory?replicaSet=rs0')).toBe('directory');
    expect(databaseNameOf('mongodb+srv://user:p%40ss@cluster0.example.net/prod%2Dscim?retryWrites=true')).toBe('prod-scim');
    expect(databaseNameOf('mongodb://a:1,b:2/?replicaSet=rs0')).toBe('scim');
    expect(databaseNameOf('mongodb://a:1')).toBe('scim');
  });
});

describe('reconnecting after a failed first connect', () => {
  it('connects explicitly on every preparation attempt until one succeeds', async () => {
    const fake = createMingoDb();
    const connect = jest.fn(async () => undefined);
    connect.mockRejectedValueOnce(networkError()).mockRejectedValueOnce(networkError());
    const store = mongoStoreOn({ db: fake.db, registry, connect, close: async () => undefined });
    await expect(store.resources.create('t1', user('u-1', 'a'))).rejects.toMatchObject({ code: 'unavailable' });
    await expect(store.ping()).rejects.toMatchObject({ code: 'unavailable' });
    expect(fake.controls.calls).not.toContain('insertOne');
    await store.resources.create('t1', user('u-1', 'a'));
    await store.resources.get('t1', 'User', 'u-1');
    // Once prepared, the connected client is reused: no further connects.
    expect(connect).toHaveBeenCalledTimes(3);
  });
});

describe('watchTopology', () => {
  const event = (...types: string[]) =>
    ({ newDescription: { servers: new Map(types.map((type, i) => [`h${i}:27017`, { type }])) } }) as unknown as TopologyDescriptionChangedEvent;

  it('logs each change between reachable and unreachable once', () => {
    const logger = recordingLogger();
    let listener: ((change: TopologyDescriptionChangedEvent) => void) | undefined;
    watchTopology({ on: ((_name: string, callback: (change: TopologyDescriptionChangedEvent) => void) => (listener = callback)) as never }, logger);
    for (const change of [event('Unknown'), event('RSPrimary'), event('RSPrimary', 'RSSecondary'), event('Unknown', 'Unknown'), event('Unknown'), event('RSSecondary')]) {
      listener!(change);
    }
    expect(logger.lines).toEqual(['info: MongoDB is reachable', 'warn: MongoDB is unreachable: requests answer 503 until it is back', 'info: MongoDB is reachable again']);
  });
});

describe('unversioned state on documents written before it existed', () => {
  it('reads such a document at revision 0, and its first compare-and-set write finds it there', async () => {
    const { store, collections } = setup();
    await store.resources.create('t1', user('u-1', 'a'));
    // As an older server version wrote it: no unversioned fields at all.
    const document = collections.get(COLLECTIONS.resources)!.documents.find((candidate) => candidate.id === 'u-1')!;
    delete document.unversioned;
    delete document.unversionedRevision;
    expect((await store.resources.get('t1', 'User', 'u-1'))?.unversioned).toEqual({ revision: 0, values: {} });
    await expect(store.resources.updateInternal('t1', 'User', 'u-1', { n: 1 }, 1)).rejects.toMatchObject({ code: 'version_mismatch' });
    expect((await store.resources.updateInternal('t1', 'User', 'u-1', { n: 1 }, 0)).unversioned).toEqual({ revision: 1, values: { n: 1 } });
    expect((await store.resources.updateInternal('t1', 'User', 'u-1', { n: 2 })).unversioned).toEqual({ revision: 2, values: { n: 2 } });
  });
});

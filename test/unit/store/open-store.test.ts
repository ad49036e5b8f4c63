import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { mongoStoreOn } from '../../../src/store/mongo/mongo-store';
import { openStore } from '../../../src/store/open-store';
import { createMingoDb } from './mongo/mingo-db';

const registry = loadBuiltinRegistry();

describe('openStore', () => {
  it('opens the embedded store for a sqlite spec', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' }, { registry });
    try {
      await store.resources.create('t1', { resourceType: 'User', id: 'u-1', created: '2024-01-01T00:00:00.000Z', attributes: { userName: 'a' }, internal: {} });
      expect(await store.resources.get('t1', 'User', 'u-1')).toMatchObject({ version: 1 });
      await expect(store.ping()).resolves.toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('opens the MongoDB store even when no server answers: ping is unavailable, and no message repeats the URI', async () => {
    const logged: string[] = [];
    const logger = { info: () => undefined, warn: (_: object, message: string) => logged.push(message), error: (_: object, message: string) => logged.push(message) };
    const store = await openStore({ kind: 'mongodb', uri: 'mongodb://admin:s3cret@127.0.0.1:1/scim?serverSelectionTimeoutMS=200' }, { registry, logger, startWaitMs: 0 });
    try {
      const failure = await store.ping().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toMatchObject({ name: 'StoreError', code: 'unavailable' });
      expect(String((failure as Error).message)).not.toContain('s3cret');
      expect(logged).toEqual(['MongoDB is unreachable; starting without it: requests answer 503 until it is back']);
    } finally {
      await store.close();
    }
  });

  it('refuses a MongoDB connection string the driver cannot parse, without repeating the password', async () => {
    const opening = openStore({ kind: 'mongodb', uri: 'mongodb://admin:s3cret@db.example.com/scim?retryWrites=maybe' }, { registry });
    await expect(opening).rejects.toThrow('The MongoDB connection string is not valid');
    await expect(opening).rejects.toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }));
  });

  describe('mustExist (the admin CLI without --create)', () => {
    let directory: string;
    beforeEach(() => {
      directory = mkdtempSync(join(tmpdir(), 'scim-open-store-'));
    });
    afterEach(() => rmSync(directory, { recursive: true, force: true }));

    it('refuses a SQLite file that does not exist, and creates nothing', async () => {
      const path = join(directory, 'typo', 'scim.db');
      await expect(openStore({ kind: 'sqlite', path }, { registry, mustExist: true })).rejects.toMatchObject({ name: 'StoreError', code: 'not_found' });
      expect(existsSync(join(directory, 'typo'))).toBe(false);
      const created = await openStore({ kind: 'sqlite', path }, { registry });
      await created.close();
      const reopened = await openStore({ kind: 'sqlite', path }, { registry, mustExist: true });
      await reopened.close();
    });

    it('tells an empty MongoDB database from one that holds a store', async () => {
      const { db } = createMingoDb();
      const store = mongoStoreOn({ db, registry, close: async () => undefined });
      expect(await store.holdsStore()).toBe(false);
      await store.prepare();
      expect(await store.holdsStore()).toBe(true);
    });
  });
});

import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { openStore } from '../../../src/store/open-store';

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
});

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

  it('says the MongoDB store is not in this build, without repeating the URI', async () => {
    const opening = openStore({ kind: 'mongodb', uri: 'mongodb://admin:s3cret@db.example.com/scim' }, { registry });
    await expect(opening).rejects.toThrow('The MongoDB store is not available in this build');
    await expect(opening).rejects.toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }));
  });
});

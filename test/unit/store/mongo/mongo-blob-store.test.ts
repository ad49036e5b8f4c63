// The MongoDB blob store writes real GridFS (the driver's GridFSBucket, here over the mingo stand-in): a file document
// with the blob's metadata, content in chunks of the bucket's size, and nothing left of a write whose source failed.
import { loadBuiltinRegistry } from '../../../../src/scim/schema/builtin-registry';
import { COLLECTIONS } from '../../../../src/store/mongo/indexes';
import { mongoStoreOn } from '../../../../src/store/mongo/mongo-store';
import { createMingoDb } from './mingo-db';

const registry = loadBuiltinRegistry();
const T0 = '2024-05-01T00:00:00.000Z';

async function* chunks(count: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) yield Buffer.alloc(size, i);
}

async function setup() {
  const fake = createMingoDb();
  const store = mongoStoreOn({ db: fake.db, registry, close: async () => undefined });
  await store.prepare();
  return { ...fake, store };
}

describe('mongo blob store (GridFS)', () => {
  it('stores a file document and 255 KB chunks, as GridFS does', async () => {
    const { store, collections } = await setup();
    await store.blobs.write({ id: 'export-1', tenantId: 't1', contentType: 'application/gzip', created: T0, expires: '2024-05-08T00:00:00.000Z' }, chunks(10, 100 * 1024));
    const files = collections.get(COLLECTIONS.blobFiles)!.documents;
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({
      _id: 'export-1',
      filename: 'export-1',
      length: 10 * 100 * 1024,
      chunkSize: 255 * 1024,
      metadata: { tenantId: 't1', contentType: 'application/gzip', created: T0, expires: '2024-05-08T00:00:00.000Z' },
    });
    const stored = collections.get(COLLECTIONS.blobChunks)!.documents;
    expect(stored.map((chunk) => chunk.n)).toEqual([0, 1, 2, 3]);
    expect(stored.every((chunk) => chunk.files_id === 'export-1')).toBe(true);
  });

  it('removes the chunks already written when the source fails', async () => {
    const { store, collections } = await setup();
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield* chunks(6, 100 * 1024);
      throw new Error('source failed');
    }
    await expect(store.blobs.write({ id: 'b1', tenantId: 't1', contentType: 'text/plain', created: T0 }, failing())).rejects.toThrow('source failed');
    expect(collections.get(COLLECTIONS.blobFiles)?.documents ?? []).toEqual([]);
    expect(collections.get(COLLECTIONS.blobChunks)?.documents ?? []).toEqual([]);
  });

  it('removes file and chunks on delete, expiry and tenant deletion', async () => {
    const { store, collections } = await setup();
    await store.tenants.createTenant({ id: 't1', name: 't1', profile: 'standard', created: T0 });
    await store.blobs.write({ id: 'deleted', tenantId: 't1', contentType: 'text/plain', created: T0 }, chunks(3, 100 * 1024));
    await store.blobs.write({ id: 'expired', tenantId: 't2', contentType: 'text/plain', created: T0, expires: T0 }, chunks(3, 100 * 1024));
    await store.blobs.write({ id: 'tenant', tenantId: 't1', contentType: 'text/plain', created: T0 }, chunks(3, 100 * 1024));
    await store.blobs.delete('t1', 'deleted');
    await store.blobs.deleteExpired(T0, 10);
    expect(collections.get(COLLECTIONS.blobFiles)!.documents.map((file) => file._id)).toEqual(['tenant']);
    expect(await store.deleteTenant('t1')).toMatchObject({ removed: { [COLLECTIONS.blobFiles]: 1 } });
    expect(collections.get(COLLECTIONS.blobFiles)!.documents).toEqual([]);
    expect(collections.get(COLLECTIONS.blobChunks)!.documents).toEqual([]);
  });
});

// BlobStore on MongoDB: GridFS through the driver's GridFSBucket (bucket `blobs`: collections `blobs.files` and
// `blobs.chunks`), so that content is streamed in 255 KB chunks both ways and no document nears the 16 MB limit.
// The file document's _id is the blob id; its metadata holds the tenant, content type, creation and expiry.
//
// GridFS writes the file document only after the last chunk: a blob is visible once complete. When the source or
// the database fails mid-way, the chunks already written are deleted before the error is thrown.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GridFSBucket, type Db, type GridFSFile, type ObjectId } from 'mongodb';
import { checkBlobId, isExpired, type BlobInfo, type BlobStore } from '../blob-store';
import { StoreError } from '../store-error';
import { COLLECTIONS } from './indexes';
import { whenReady } from './mongo-errors';

export const BLOB_BUCKET = 'blobs';

interface BlobMetadata {
  readonly tenantId: string;
  readonly contentType: string;
  readonly created: string;
  readonly expires?: string;
}

type BlobFile = Omit<GridFSFile, '_id' | 'metadata'> & { readonly _id: string; readonly metadata: BlobMetadata };

export interface MongoBlobStore extends BlobStore {
  /** Deletes every blob of a tenant (tenant deletion: GridFS documents carry the tenant in their metadata only). */
  deleteTenantBlobs(tenantId: string): Promise<number>;
}

export interface MongoBlobStoreDeps {
  readonly db: Db;
  readonly ready: () => Promise<void>;
  /** GridFS chunk size (default the driver's 255 KB). */
  readonly chunkSizeBytes?: number;
}

/** GridFS takes any _id; the driver's types say ObjectId only. */
const gridId = (id: string) => id as unknown as ObjectId;

export function createMongoBlobStore(deps: MongoBlobStoreDeps): MongoBlobStore {
  const { db } = deps;
  const run = whenReady(deps.ready);
  const bucket = new GridFSBucket(db, { bucketName: BLOB_BUCKET, ...(deps.chunkSizeBytes ? { chunkSizeBytes: deps.chunkSizeBytes } : {}) });
  const files = db.collection<BlobFile>(COLLECTIONS.blobFiles);
  const chunks = db.collection(COLLECTIONS.blobChunks);

  const fileOf = (tenantId: string, id: string) => files.findOne({ _id: id, 'metadata.tenantId': tenantId });
  /** Removes a file and its chunks; a file already gone is fine (another instance's sweep got there first). */
  const remove = async (id: string) => {
    await files.deleteOne({ _id: id });
    await chunks.deleteMany({ files_id: id });
  };

  return {
    async write(blob, content) {
      checkBlobId(blob.id);
      const metadata: BlobMetadata = { tenantId: blob.tenantId, contentType: blob.contentType, created: blob.created, ...(blob.expires === undefined ? {} : { expires: blob.expires }) };
      return run(async () => {
        if ((await files.countDocuments({ _id: blob.id }, { limit: 1 })) > 0) throw new StoreError('conflict', `Blob ${blob.id} already exists`, { attribute: 'id' });
        const upload = bucket.openUploadStreamWithId(gridId(blob.id), blob.id, { metadata });
        try {
          // The upload stream answers each chunk once it is stored, so the source is read no faster than it is written.
          await pipeline(Readable.from(content), upload);
        } catch (error) {
          await chunks.deleteMany({ files_id: blob.id }).catch(() => undefined);
          throw error;
        }
        return { id: blob.id, ...metadataInfo(metadata), size: upload.length };
      });
    },

    async stat(tenantId, id, now) {
      return run(async () => {
        const file = await fileOf(tenantId, id);
        return file && !isExpired(file.metadata, now) ? toInfo(file) : null;
      });
    },

    async read(tenantId, id, now) {
      return run(async () => {
        const file = await fileOf(tenantId, id);
        if (!file || isExpired(file.metadata, now)) return null;
        return { info: toInfo(file), content: bucket.openDownloadStream(gridId(id)) };
      });
    },

    async delete(tenantId, id) {
      return run(async () => {
        if (!(await fileOf(tenantId, id))) return false;
        await remove(id);
        return true;
      });
    },

    async deleteExpired(now, limit) {
      return run(async () => {
        const expired = await files.find({ 'metadata.expires': { $lte: now } }, { projection: { _id: 1 }, sort: { 'metadata.expires': 1 }, limit }).toArray();
        for (const file of expired) await remove(file._id);
        return expired.length;
      });
    },

    async deleteTenantBlobs(tenantId) {
      return run(async () => {
        const owned = await files.find({ 'metadata.tenantId': tenantId }, { projection: { _id: 1 } }).toArray();
        for (const file of owned) await remove(file._id);
        return owned.length;
      });
    },
  };
}

function metadataInfo(metadata: BlobMetadata): Omit<BlobInfo, 'id' | 'size'> {
  return { tenantId: metadata.tenantId, contentType: metadata.contentType, created: metadata.created, ...(metadata.expires === undefined ? {} : { expires: metadata.expires }) };
}

function toInfo(file: BlobFile): BlobInfo {
  return { id: file._id, ...metadataInfo(file.metadata), size: file.length };
}

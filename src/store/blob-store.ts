// The blobs port: files a feature writes and serves later (export files, per-record error reports), kept by the store
// so that any instance can serve them: beside the database file on the embedded store, in GridFS on MongoDB.
//
// Content is streamed both ways, so memory stays bounded whatever the size (an export of 1,000,000 users is written
// as it is produced and read back as it is sent). A blob becomes visible only once it is written completely: a write
// that fails or whose source fails leaves nothing behind. Expiry is a property of the blob: once `expires` has passed
// it reads as absent, and deleteExpired() (run by housekeeping) removes its content.

export interface BlobInfo {
  readonly id: string;
  readonly tenantId: string;
  /** Bytes. */
  readonly size: number;
  readonly contentType: string;
  readonly created: string;
  readonly expires?: string;
}

export interface NewBlob {
  /** Letters, digits, `-` and `_`, at most 128 (a random UUID is the usual choice). */
  readonly id: string;
  readonly tenantId: string;
  readonly contentType: string;
  readonly created: string;
  readonly expires?: string;
}

export interface StoredBlob {
  readonly info: BlobInfo;
  /** The content, in chunks; consume it (or destroy it) so that the file or cursor behind it is released. */
  readonly content: NodeJS.ReadableStream & AsyncIterable<Uint8Array>;
}

export interface BlobStore {
  /**
   * Streams `content` into a new blob and answers its info once it is complete. If `content` fails (or the store
   * does), nothing of the blob remains and the error is thrown. StoreError `conflict` when the id is taken.
   */
  write(blob: NewBlob, content: AsyncIterable<Uint8Array>): Promise<BlobInfo>;
  /** The blob's info; null when the tenant has no such blob, or it expired at `now`. */
  stat(tenantId: string, id: string, now: string): Promise<BlobInfo | null>;
  /** The blob's info and content; null when the tenant has no such blob, or it expired at `now`. */
  read(tenantId: string, id: string, now: string): Promise<StoredBlob | null>;
  /** Removes the blob; false when the tenant has no such blob. */
  delete(tenantId: string, id: string): Promise<boolean>;
  /** Removes up to `limit` blobs (of any tenant) whose expiry is at or before `now`; returns how many. */
  deleteExpired(now: string, limit: number): Promise<number>;
}

const BLOB_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Blob ids become file names on the embedded store: anything else is a programming error, refused before any write. */
export function checkBlobId(id: string): void {
  if (!BLOB_ID.test(id)) throw new Error(`A blob id is 1 to 128 letters, digits, "-" or "_"; got ${JSON.stringify(id.slice(0, 40))}`);
}

export function isExpired(info: Pick<BlobInfo, 'expires'>, now: string): boolean {
  return info.expires !== undefined && info.expires <= now;
}

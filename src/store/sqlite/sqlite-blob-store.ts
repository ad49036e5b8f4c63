// BlobStore on the embedded store: each blob's content is a file in a directory beside the database file
// (`<database>.blobs/`; a temporary directory, removed on close, for an in-memory database), and a row in `blobs`
// (migration 8) says which tenant owns it, its size and expiry.
//
// A write streams into a temporary file (`.tmp-<name>`, created exclusively), fsyncs it, renames it to a fresh random
// name and only then inserts the row: a blob is visible only once its file is complete and durable, and a failure at
// any step leaves no row (at most a temporary or unreferenced file, which the expiry sweep removes once it is an hour
// old). Deleting removes the row first, then the file; a reader that already opened the file keeps reading it.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { checkBlobId, isExpired, type BlobInfo, type BlobStore } from '../blob-store';
import { StoreError } from '../store-error';
import { isUniqueViolation, translateErrors } from './sqlite-errors';
import type { StatementCache } from './statement-cache';

interface BlobRow {
  readonly id: string;
  readonly tenant_id: string;
  readonly file: string;
  readonly size: number;
  readonly content_type: string;
  readonly created: string;
  readonly expires: string | null;
}

export interface SqliteBlobStore extends BlobStore {
  /** The files of a tenant's blobs (tenant deletion reads them before the rows go, then removes them). */
  filesOf(tenantId: string): string[];
  /** Removes blob files (missing ones are fine). */
  removeFiles(files: readonly string[]): Promise<void>;
  /** Removes the directory when it is a temporary one (in-memory database). */
  close(): Promise<void>;
}

export interface SqliteBlobStoreDeps {
  readonly db: Database.Database;
  readonly statements: StatementCache;
  /** The blob directory; absent for an in-memory database (a temporary directory is made on first use). */
  readonly directory?: string;
}

const TEMPORARY_PREFIX = '.tmp-';
/** Files without a row are removed once this old: younger ones may belong to a write that is still finishing. */
const ORPHAN_AGE_MS = 60 * 60 * 1000;
const COLUMNS = 'id, tenant_id, file, size, content_type, created, expires';

/** The blob directory of a database file. */
export function blobDirectoryOf(databasePath: string): string {
  return `${databasePath}.blobs`;
}

export function createSqliteBlobStore(deps: SqliteBlobStoreDeps): SqliteBlobStore {
  const { db, statements } = deps;
  const run = <T>(call: () => T): T => translateErrors(() => db.open, call);
  let directory: Promise<string> | undefined;
  const directoryOf = (): Promise<string> => {
    directory ??= deps.directory === undefined ? mkdtemp(join(tmpdir(), 'scim-blobs-')) : mkdir(deps.directory, { recursive: true }).then(() => deps.directory!);
    return directory;
  };
  const rowOf = (tenantId: string, id: string) => statements.get(`SELECT ${COLUMNS} FROM blobs WHERE id = ? AND tenant_id = ?`).get(id, tenantId) as BlobRow | undefined;
  const removeFiles = async (files: readonly string[]) => {
    if (files.length === 0) return;
    const where = await directoryOf();
    await Promise.all(files.map((file) => rm(join(where, file), { force: true })));
  };

  return {
    async write(blob, content) {
      checkBlobId(blob.id);
      if (run(() => statements.get('SELECT 1 FROM blobs WHERE id = ?').get(blob.id))) throw new StoreError('conflict', `Blob ${blob.id} already exists`, { attribute: 'id' });
      const where = await directoryOf();
      const file = randomUUID();
      const temporary = join(where, `${TEMPORARY_PREFIX}${file}`);
      const handle = await open(temporary, 'wx');
      let size = 0;
      try {
        for await (const chunk of content) {
          // One chunk at a time, each written fully before the next is read: memory stays at one chunk.
          for (let offset = 0; offset < chunk.byteLength; ) offset += (await handle.write(chunk, offset, chunk.byteLength - offset)).bytesWritten;
          size += chunk.byteLength;
        }
        await handle.sync();
      } catch (error) {
        await handle.close().catch(() => undefined);
        await rm(temporary, { force: true });
        throw error;
      }
      await handle.close();
      await rename(temporary, join(where, file));
      await syncDirectory(where);
      const info: BlobInfo = { id: blob.id, tenantId: blob.tenantId, size, contentType: blob.contentType, created: blob.created, ...(blob.expires === undefined ? {} : { expires: blob.expires }) };
      try {
        run(() =>
          statements
            .get(`INSERT INTO blobs (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`)
            .run(blob.id, blob.tenantId, file, size, blob.contentType, blob.created, blob.expires ?? null),
        );
      } catch (error) {
        await rm(join(where, file), { force: true });
        if (isUniqueViolation(error)) throw new StoreError('conflict', `Blob ${blob.id} already exists`, { attribute: 'id', cause: error });
        throw error;
      }
      return info;
    },

    async stat(tenantId, id, now) {
      const row = run(() => rowOf(tenantId, id));
      return row && !isExpired(toInfo(row), now) ? toInfo(row) : null;
    },

    async read(tenantId, id, now) {
      const row = run(() => rowOf(tenantId, id));
      if (!row || isExpired(toInfo(row), now)) return null;
      let handle;
      try {
        handle = await open(join(await directoryOf(), row.file), 'r');
      } catch (error) {
        // Deleted between the row read and the open.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      return { info: toInfo(row), content: handle.createReadStream({ highWaterMark: 64 * 1024 }) };
    },

    async delete(tenantId, id) {
      const row = run(() => {
        const found = rowOf(tenantId, id);
        if (found) statements.get('DELETE FROM blobs WHERE id = ? AND tenant_id = ?').run(id, tenantId);
        return found;
      });
      if (!row) return false;
      await removeFiles([row.file]);
      return true;
    },

    async deleteExpired(now, limit) {
      const rows = run(() =>
        db
          .transaction(() => {
            const expired = statements.get(`SELECT ${COLUMNS} FROM blobs WHERE expires <= ? ORDER BY expires LIMIT ?`).all(now, limit) as BlobRow[];
            const remove = statements.get('DELETE FROM blobs WHERE id = ?');
            for (const row of expired) remove.run(row.id);
            return expired;
          })
          .immediate(),
      );
      await removeFiles(rows.map((row) => row.file));
      await removeOrphans(Date.parse(now));
      return rows.length;
    },

    filesOf(tenantId) {
      return run(() => (statements.get('SELECT file FROM blobs WHERE tenant_id = ?').all(tenantId) as { file: string }[]).map((row) => row.file));
    },

    removeFiles,

    async close() {
      if (deps.directory === undefined && directory) await rm(await directory, { recursive: true, force: true });
    },
  };

  /** Temporary files of writes that never finished, and files whose row never came (a crash in between), once old. */
  async function removeOrphans(nowMs: number): Promise<void> {
    if (deps.directory === undefined && directory === undefined) return;
    const where = await directoryOf();
    const known = statements.get('SELECT 1 FROM blobs WHERE file = ?');
    for (const name of await readdir(where)) {
      const referenced = !name.startsWith(TEMPORARY_PREFIX) && run(() => known.get(name) !== undefined);
      if (referenced) continue;
      const path = join(where, name);
      const modified = await stat(path).then(
        (found) => found.mtimeMs,
        () => undefined,
      );
      if (modified !== undefined && nowMs - modified >= ORPHAN_AGE_MS) await rm(path, { force: true });
    }
  }
}

/** Makes a rename durable: the directory entry is fsynced too (best effort; some filesystems refuse it). */
async function syncDirectory(path: string): Promise<void> {
  try {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not every platform can fsync a directory; the file itself was fsynced.
  }
}

function toInfo(row: BlobRow): BlobInfo {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    size: row.size,
    contentType: row.content_type,
    created: row.created,
    ...(row.expires === null ? {} : { expires: row.expires }),
  };
}

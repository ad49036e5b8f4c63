// Connection-level behaviour of the SQLite store: pragmas, several connections on one file, busy and closed databases.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { configureConnection, createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import { StoreError } from '../../../src/store/store-error';

const registry = loadBuiltinRegistry();
const T0 = '2024-01-01T00:00:00.000Z';
const newUser = (id: string, userName: string) => ({ resourceType: 'User', id, created: T0, attributes: { userName }, internal: {} });

describe('sqlite store connections', () => {
  let directory: string;
  let file: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'scim-sqlite-store-'));
    file = join(directory, 'scim.db');
  });
  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('configures WAL, synchronous=FULL, a busy timeout and foreign keys', () => {
    const db = new Database(file);
    try {
      configureConnection(db, 1234);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });

  it('enforces uniqueness and compare-and-set across two connections to one file', async () => {
    const a = createSqliteStore({ path: file, registry });
    const b = createSqliteStore({ path: file, registry });
    try {
      await a.resources.create('t1', newUser('u-1', 'shared'));
      await expect(b.resources.create('t1', newUser('u-2', 'SHARED'))).rejects.toMatchObject({ code: 'conflict', attribute: 'userName' });
      await b.resources.replace('t1', 'User', 'u-1', { lastModified: T0, attributes: { userName: 'shared', title: 'b' }, internal: {} }, 1);
      await expect(a.resources.replace('t1', 'User', 'u-1', { lastModified: T0, attributes: { userName: 'shared', title: 'a' }, internal: {} }, 1)).rejects.toMatchObject({
        code: 'version_mismatch',
      });
      expect(await a.resources.get('t1', 'User', 'u-1')).toMatchObject({ version: 2, attributes: { title: 'b' } });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('answers `unavailable` when another connection holds the write lock beyond the busy timeout', async () => {
    const store = createSqliteStore({ path: file, registry, busyTimeoutMs: 50 });
    const other = new Database(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      const error = await store.resources.create('t1', newUser('u-1', 'a')).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ code: 'unavailable' });
      other.exec('ROLLBACK');
      await store.resources.create('t1', newUser('u-1', 'a'));
    } finally {
      other.close();
      await store.close();
    }
  });

  it('keeps reads going while another connection writes (WAL readers are not blocked)', async () => {
    const store = createSqliteStore({ path: file, registry, busyTimeoutMs: 50 });
    await store.resources.create('t1', newUser('u-1', 'a'));
    const other = new Database(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      other.prepare("DELETE FROM resources WHERE id = 'u-1'").run();
      expect(await store.resources.get('t1', 'User', 'u-1')).toMatchObject({ id: 'u-1' });
      other.exec('COMMIT');
      expect(await store.resources.get('t1', 'User', 'u-1')).toBeNull();
    } finally {
      other.close();
      await store.close();
    }
  });

  it('answers `unavailable` once closed, and closes twice without error', async () => {
    const store = createSqliteStore({ path: ':memory:', registry });
    await store.close();
    await store.close();
    await expect(store.ping()).rejects.toMatchObject({ code: 'unavailable' });
    await expect(store.resources.get('t1', 'User', 'u-1')).rejects.toMatchObject({ code: 'unavailable' });
    await expect(store.tenants.listTenants()).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('creates the missing parent directories of the file', async () => {
    const nested = join(directory, 'a', 'b', 'scim.db');
    const store = createSqliteStore({ path: nested, registry });
    await store.close();
    const raw = new Database(nested, { readonly: true, fileMustExist: true });
    raw.close();
  });
});

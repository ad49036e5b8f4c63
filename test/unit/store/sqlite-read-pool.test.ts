// The embedded store's read pool: list queries on worker threads with read-only connections of their own, so that a
// slow one leaves the main thread free; a per-read time limit that stops it; and the pool wired into the store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { createSqliteReadPool, type SqliteReadPool } from '../../../src/store/sqlite/read-pool';
import Database from 'better-sqlite3';
import { configureConnection, createSqliteStore, sqliteStoreOn } from '../../../src/store/sqlite/sqlite-store';
import { filterBuilder } from '../../contract/filter-builder';
import type { Store } from '../../../src/store/tenant-store';
import type { StoreQuery } from '../../../src/store/resource-store';
import { isStoreError } from '../../../src/store/store-error';

const registry = loadBuiltinRegistry();
/** A read that keeps a thread busy for a while (counting to `n` one row at a time); `n` sets how long. */
const counting = (n: number) => ({ sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT count(*) AS n FROM c', params: [n], first: true });
const user = (id: string) => ({ resourceType: 'User', id, created: '2026-01-01T00:00:00.000Z', attributes: { userName: `user-${id}` }, internal: {} });

let directory: string;
let file: string;
let store: Store;
const pools: SqliteReadPool[] = [];
const pool = (options: { workers: number; timeoutMs: number }) => {
  const created = createSqliteReadPool({ path: file, busyTimeoutMs: 1000, ...options });
  pools.push(created);
  return created;
};

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'scim-read-pool-'));
  file = join(directory, 'scim.db');
  // The writer: it creates the file and its schema, and stays open beside the pool's readers (WAL).
  store = createSqliteStore({ path: file, registry });
  await store.resources.createMany('t1', ['a', 'b', 'c'].map(user));
});

afterEach(async () => {
  for (const created of pools.splice(0)) await created.close();
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

/** A store on the file whose list reads go through a pool of one thread; `sent` collects the SQL it was given. */
function watchedStore(): { connection: Database.Database; pooled: Store; sent: string[] } {
  const connection = new Database(file);
  configureConnection(connection);
  const threads = pool({ workers: 1, timeoutMs: 10_000 });
  const sent: string[] = [];
  const watched: SqliteReadPool = { read: (reads) => (sent.push(...reads.map((read) => read.sql)), threads.read(reads)), close: () => threads.close() };
  return { connection, pooled: sqliteStoreOn(connection, { registry, readPool: () => watched }), sent };
}

describe('the SQLite read pool', () => {
  it('runs the statements of a read in one transaction on another connection, and sees what the writer committed', async () => {
    const reads = pool({ workers: 2, timeoutMs: 10_000 });
    const [count, rows] = await reads.read([
      { sql: 'SELECT count(*) AS n FROM resources WHERE tenant_id = ?', params: ['t1'], first: true },
      { sql: 'SELECT id FROM resources WHERE tenant_id = ? ORDER BY id', params: ['t1'] },
    ]);
    expect(count).toEqual({ n: 3 });
    expect(rows).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    await store.resources.create('t1', user('d'));
    expect(await reads.read([{ sql: 'SELECT count(*) AS n FROM resources WHERE tenant_id = ?', params: ['t1'], first: true }])).toEqual([{ n: 4 }]);
  });

  it('leaves the main thread free while a slow read runs: a point read on the main connection answers first', async () => {
    const reads = pool({ workers: 1, timeoutMs: 60_000 });
    const finished: string[] = [];
    const slow = reads.read([counting(3_000_000)]).then((results) => {
      finished.push('slow read');
      return results;
    });
    // Timers fire and the main connection answers while the worker counts.
    await new Promise((resolve) => setImmediate(resolve));
    const found = await store.resources.get('t1', 'User', 'a');
    finished.push('point read');
    expect(found?.id).toBe('a');
    expect(await slow).toEqual([{ n: 3_000_000 }]);
    expect(finished).toEqual(['point read', 'slow read']);
  });

  it('stops a read past its time limit with StoreError timeout; the reads behind it, and later ones, are answered', async () => {
    const reads = pool({ workers: 1, timeoutMs: 150 });
    const slow = reads.read([counting(3_000_000)]).catch((error: unknown) => error);
    // Queued behind the slow one on the only thread: it runs on the thread that replaces the stopped one.
    const queued = reads.read([{ sql: 'SELECT 1 AS one', params: [], first: true }]);
    expect(await slow).toMatchObject({ code: 'timeout', message: expect.stringContaining('time limit of 150 ms') });
    expect(await queued).toEqual([{ one: 1 }]);
    expect(await reads.read([{ sql: 'SELECT 2 AS two', params: [], first: true }])).toEqual([{ two: 2 }]);
  });

  it('answers an SQL error as the error, and a closed pool as unavailable', async () => {
    const reads = pool({ workers: 1, timeoutMs: 10_000 });
    await expect(reads.read([{ sql: 'SELECT * FROM no_such_table', params: [] }])).rejects.toThrow('no such table: no_such_table');
    const pending = reads.read([counting(3_000_000)]).catch((error: unknown) => error);
    await reads.close();
    const failure = await pending;
    expect(isStoreError(failure, 'unavailable')).toBe(true);
    await expect(reads.read([{ sql: 'SELECT 1', params: [] }])).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('is what the store lists through when it is a file with read workers, with the same answers as the main connection', async () => {
    const pooled = createSqliteStore({ path: file, registry, reads: { workers: 2, timeoutMs: 10_000 } });
    const memory = createSqliteStore({ path: ':memory:', registry, reads: { workers: 2, timeoutMs: 10_000 } });
    try {
      await memory.resources.createMany('t1', ['a', 'b', 'c'].map(user));
      const query = { resourceType: 'User', sort: undefined, page: { kind: 'keyset' as const, count: 2 } };
      const fromPool = await pooled.resources.list('t1', query);
      const onMain = await memory.resources.list('t1', query);
      expect(fromPool.totalResults).toBe(3);
      expect(fromPool.resources.map((resource) => resource.id)).toEqual(['a', 'b']);
      expect(fromPool.next).toEqual({ sortValue: null, id: 'b' });
      expect(onMain.resources.map((resource) => resource.id)).toEqual(fromPool.resources.map((resource) => resource.id));
      expect(onMain.next).toEqual(fromPool.next);
    } finally {
      await pooled.close();
      await memory.close();
    }
  });

  it('answers a substring filter through the trigram index on its own connection, exactly', async () => {
    const { connection, pooled, sent } = watchedStore();
    try {
      const withEmail = (id: string, email: string) => ({ ...user(id), attributes: { userName: `user-${id}`, emails: [{ value: email }] } });
      await pooled.resources.createMany('t1', [withEmail('d', 'Dana.Scully@FBI.example'), withEmail('e', 'scul.ly@example.org')]);
      const users = filterBuilder(registry, 'User');
      const listed = await pooled.resources.list('t1', { resourceType: 'User', filter: users.co('emails.value', 'SCULLY@'), page: { kind: 'keyset', count: 10 } });
      expect(listed.resources.map((resource) => resource.id)).toEqual(['d']);
      const [page] = sent.filter((sql) => sql.includes('LIMIT'));
      const plan = (connection.prepare(`EXPLAIN QUERY PLAN ${page}`).all(...Array.from({ length: (page.match(/\?/g) ?? []).length }, () => 'x')) as { detail: string }[]).map((row) => row.detail);
      expect(plan).toContain('SCAN f VIRTUAL TABLE INDEX 0:M1');
      expect(plan).toContain('SEARCH t USING INTEGER PRIMARY KEY (rowid=?)');
    } finally {
      await pooled.close();
    }
  });

  it('reads the first page of a lookup by a unique key (userName eq, id eq) in one statement whose rows are the total', async () => {
    const { pooled, sent } = watchedStore();
    try {
      const users = filterBuilder(registry, 'User');
      const list = async (filter: ReturnType<typeof users.eq>, page: StoreQuery['page'] = { kind: 'index', startIndex: 1, count: 10 }) => {
        sent.length = 0;
        const listed = await pooled.resources.list('t1', { resourceType: 'User', filter, page });
        return { ids: listed.resources.map((resource) => resource.id), total: listed.totalResults, statements: sent.length };
      };
      // caseExact=false: the lookup folds the literal as the unique index does (RFC 7643 §2.2).
      expect(await list(users.eq('userName', 'USER-B'))).toEqual({ ids: ['b'], total: 1, statements: 1 });
      expect(await list(users.eq('userName', 'user-z'))).toEqual({ ids: [], total: 0, statements: 1 });
      expect(await list(users.eq('id', 'c'))).toEqual({ ids: ['c'], total: 1, statements: 1 });
      expect(await list(users.eq('userName', 'user-b'), { kind: 'index', startIndex: 1, count: 1 })).toEqual({ ids: ['b'], total: 1, statements: 1 });
      expect(await list(users.eq('userName', 'user-b'), { kind: 'keyset', count: 1 })).toEqual({ ids: ['b'], total: 1, statements: 1 });
      // A page that cannot hold the match still counts it: past it, or a page of 0 (RFC 7644 §3.4.2.4).
      expect(await list(users.eq('userName', 'user-b'), { kind: 'index', startIndex: 2, count: 10 })).toEqual({ ids: [], total: 1, statements: 2 });
      expect(await list(users.eq('userName', 'user-b'), { kind: 'index', startIndex: 1, count: 0 })).toEqual({ ids: [], total: 1, statements: 2 });
      expect(await list(users.eq('userName', 'user-b'), { kind: 'keyset', count: 1, after: { sortValue: null, id: 'b' } })).toEqual({ ids: [], total: 1, statements: 2 });
      // Not a unique key, or not an equality: the page and its count.
      expect(await list(users.sw('userName', 'user-'))).toEqual({ ids: ['a', 'b', 'c'], total: 3, statements: 2 });
      expect((await list(users.eq('name.familyName', 'x'))).statements).toBe(2);
      expect((await list(users.or(users.eq('userName', 'user-a'), users.eq('userName', 'user-b')))).statements).toBe(2);
    } finally {
      await pooled.close();
    }
  });

  it('starts a deep startIndex page from the position the page before it ended at, and the long way once rows moved', async () => {
    const { pooled, sent } = watchedStore();
    try {
      await pooled.resources.createMany('t2', Array.from({ length: 30 }, (_, i) => user(`u-${String(i).padStart(2, '0')}`)));
      const page = async (startIndex: number) => {
        sent.length = 0;
        const listed = await pooled.resources.list('t2', { resourceType: 'User', page: { kind: 'index', startIndex, count: 10 } });
        return { ids: listed.resources.map((resource) => resource.id), seeks: sent.filter((sql) => sql.includes('r.id >= ?')).length, reads: sent.length };
      };
      expect((await page(11)).seeks).toBe(0);
      // Offset 20 is 1 row after the last row of that page (offset 19): one seek, no second read.
      expect(await page(21)).toEqual({ ids: Array.from({ length: 10 }, (_, i) => `u-${i + 20}`), seeks: 1, reads: 2 });
      await pooled.resources.delete('t2', 'User', 'u-00');
      // The counter moved: the seek's page is thrown away and read again without it (two more statements).
      expect(await page(21)).toEqual({ ids: Array.from({ length: 9 }, (_, i) => `u-${i + 21}`), seeks: 1, reads: 4 });
    } finally {
      await pooled.close();
    }
  });
});


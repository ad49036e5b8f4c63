// Group commit (src/store/sqlite/group-commit.ts): the writes queued in one turn of the event loop run in one
// transaction, each in a savepoint of its own, and each is answered only after that transaction's COMMIT. What another
// connection sees is the evidence: it reads only what is committed (WAL), so it tells one transaction from several and
// an answer given before the COMMIT from one given after it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { createGroupCommit, type GroupCommit } from '../../../src/store/sqlite/group-commit';
import { issueToken } from '../../../src/auth/tokens';
import { configureConnection, createSqliteStore, sqliteStoreOn } from '../../../src/store/sqlite/sqlite-store';
import { isStoreError } from '../../../src/store/store-error';
import type { Store } from '../../../src/store/tenant-store';
import { createWalSync, type WalSync } from '../../../src/store/sqlite/wal-sync';

const registry = loadBuiltinRegistry();
const CREATED = '2026-01-01T00:00:00.000Z';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'scim-group-commit-'));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

/** What a settled promise held: its value, or the code of its store error (or the message of another error). */
const outcomeOf = (settled: PromiseSettledResult<unknown>) =>
  settled.status === 'fulfilled' ? 'ok' : isStoreError(settled.reason) ? settled.reason.code : String((settled.reason as Error).message);

describe('group commit on a connection', () => {
  let db: Database.Database;
  let reader: Database.Database;
  let commits: GroupCommit;
  /** The rows another connection sees: the committed ones only. */
  const committed = () => (reader.prepare('SELECT name FROM items ORDER BY name').all() as { name: string }[]).map((row) => row.name);
  const insert = (name: string) => () => db.prepare('INSERT INTO items (name) VALUES (?)').run(name).lastInsertRowid;

  beforeEach(() => {
    const file = join(directory, 'items.db');
    db = new Database(file);
    configureConnection(db, 0);
    db.exec(`CREATE TABLE items (name TEXT PRIMARY KEY);
             CREATE TABLE parents (id INTEGER PRIMARY KEY);
             -- checked at COMMIT, not at the statement: a way to make the COMMIT itself fail
             CREATE TABLE children (parent INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)`);
    reader = new Database(file, { readonly: true });
    commits = createGroupCommit(db, { windowMs: 0 });
  });
  afterEach(() => {
    reader.close();
    if (db.open) db.close();
  });

  it('runs the writes queued in one turn in one transaction, and answers each after its COMMIT', async () => {
    const seenDuringBatch: string[][] = [];
    const seenAtAnswer: string[][] = [];
    const writes = ['a', 'b', 'c'].map((name) =>
      commits
        .run(() => {
          const id = insert(name)();
          seenDuringBatch.push(committed());
          return id;
        })
        .then((id) => {
          seenAtAnswer.push(committed());
          return id;
        }),
    );
    expect(committed()).toEqual([]); // queued, not run: nothing happens before the turn ends
    expect(await Promise.all(writes)).toEqual([1, 2, 3]);
    // While the batch ran, none of its writes was visible elsewhere: they were one transaction, not yet committed.
    expect(seenDuringBatch).toEqual([[], [], []]);
    // Every answer came after the COMMIT: each write saw all three rows committed.
    expect(seenAtAnswer).toEqual([['a', 'b', 'c'], ['a', 'b', 'c'], ['a', 'b', 'c']]);
  });

  it('runs a write queued in a later turn in a transaction of its own', async () => {
    const first = commits.run(insert('a'));
    // An immediate queued after the group's own: it runs once that group has committed.
    await new Promise((resolve) => setImmediate(resolve));
    let seen: string[] = [];
    const second = commits.run(() => {
      seen = committed();
      return insert('b')();
    });
    await Promise.all([first, second]);
    expect(seen).toEqual(['a']);
  });

  it('gathers the writes of a window of a few milliseconds into one transaction', async () => {
    const windowed = createGroupCommit(db, { windowMs: 5 });
    const first = windowed.run(insert('a'));
    await new Promise((resolve) => setTimeout(resolve, 1));
    let seen: string[] = ['not run'];
    const second = windowed.run(() => {
      seen = committed();
      return insert('b')();
    });
    await Promise.all([first, second]);
    expect(seen).toEqual([]);
    expect(committed()).toEqual(['a', 'b']);
  });

  it('rolls a failing write back alone: its neighbours commit, and it answers its own error', async () => {
    const results = await Promise.allSettled([
      commits.run(insert('a')),
      commits.run(() => {
        insert('b')();
        insert('a')(); // a duplicate key, after a row of its own was written
      }),
      commits.run(() => {
        insert('c')();
        throw new Error('the write gave up');
      }),
      commits.run(insert('d')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ message: 'the write gave up' });
    // Nothing of the failed writes stayed, not even the rows they wrote before failing.
    expect(committed()).toEqual(['a', 'd']);
  });

  it('answers no write of a batch whose COMMIT fails, and commits none of them', async () => {
    const results = await Promise.allSettled([
      commits.run(insert('a')),
      // Passes its own savepoint, breaks the COMMIT: a deferred foreign key to no parent.
      commits.run(() => db.prepare('INSERT INTO children (parent) VALUES (42)').run()),
      commits.run(insert('b')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const result of results) expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    expect(committed()).toEqual([]);
    expect(db.inTransaction).toBe(false);
    // The connection is usable again: the next batch commits.
    await commits.run(insert('c'));
    expect(committed()).toEqual(['c']);
  });

  it('answers every write of a batch whose BEGIN finds the file locked by another connection', async () => {
    const other = new Database(join(directory, 'items.db'));
    other.exec('BEGIN IMMEDIATE');
    try {
      const results = await Promise.allSettled([commits.run(insert('a')), commits.run(insert('b'))]);
      expect(results.map((result) => result.status === 'rejected' && (result.reason as { code?: string }).code)).toEqual(['SQLITE_BUSY', 'SQLITE_BUSY']);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(committed()).toEqual([]);
  });

  it('commits what is queued when flushed, and refuses writes once the connection is closed', async () => {
    const queued = commits.run(insert('a'));
    commits.flush();
    expect(committed()).toEqual(['a']);
    await queued;
    const late = commits.run(insert('b'));
    db.close();
    await expect(late).rejects.toMatchObject({ code: 'unavailable' });
  });
});

describe('group commit in the store', () => {
  let store: Store;
  const user = (id: string, userName: string) => ({ resourceType: 'User', id, created: CREATED, attributes: { userName }, internal: {} });
  const replacement = (title: string) => ({ lastModified: CREATED, attributes: { userName: 'old', title }, internal: {} });

  beforeEach(async () => {
    store = createSqliteStore({ path: join(directory, 'scim.db'), registry });
    await store.resources.create('t1', user('old', 'old'));
  });
  afterEach(() => store.close());

  it('gives each write of one batch its own uniqueness and version check', async () => {
    const results = await Promise.allSettled([
      store.resources.create('t1', user('a', 'alice')),
      // The same userName in another case, in the same transaction: the unique index sees the row just written.
      store.resources.create('t1', user('b', 'ALICE')),
      store.resources.replace('t1', 'User', 'old', replacement('first'), 1),
      // Read at version 1 too, but the write before it in the batch moved the user to version 2.
      store.resources.replace('t1', 'User', 'old', replacement('second'), 1),
      store.resources.create('t1', user('c', 'carol')),
      store.resources.delete('t1', 'User', 'missing'),
    ]);
    expect(results.map(outcomeOf)).toEqual(['ok', 'conflict', 'ok', 'version_mismatch', 'ok', 'not_found']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ attribute: 'userName' });
    expect((results[2] as PromiseFulfilledResult<{ version: number }>).value.version).toBe(2);
    expect(await store.resources.get('t1', 'User', 'b')).toBeNull();
    expect(await store.resources.get('t1', 'User', 'a')).toMatchObject({ attributes: { userName: 'alice' } });
    expect(await store.resources.get('t1', 'User', 'c')).toMatchObject({ attributes: { userName: 'carol' } });
    expect(await store.resources.get('t1', 'User', 'old')).toMatchObject({ version: 2, attributes: { title: 'first' } });
  });

  it('commits the writes still queued when the store closes', async () => {
    const file = join(directory, 'scim.db');
    const queued = store.resources.create('t1', user('last', 'last'));
    await store.close();
    await expect(queued).resolves.toMatchObject({ id: 'last' });
    store = createSqliteStore({ path: file, registry });
    expect(await store.resources.get('t1', 'User', 'last')).toMatchObject({ attributes: { userName: 'last' } });
  });
});

// On a file, the group transactions commit with synchronous=NORMAL and the WAL is synced off the event loop
// (wal-sync.ts); each write is still answered only once that sync has finished. A WalSync whose syncs the test
// finishes by hand shows the order: COMMIT (another connection sees the rows), then the sync, then the answers.
describe('group commit with the WAL synced off the event loop', () => {
  let db: Database.Database;
  let reader: Database.Database;
  const committed = () => (reader.prepare('SELECT name FROM items ORDER BY name').all() as { name: string }[]).map((row) => row.name);
  const synchronousNow = () => db.pragma('synchronous', { simple: true });
  /** The syncs asked for, each finished (or failed) by the test. */
  let syncs: { finish(): void; fail(error: Error): void }[];
  const handSync: WalSync = {
    sync: () =>
      new Promise<void>((resolve, reject) => {
        syncs.push({ finish: resolve, fail: reject });
      }),
    close: async () => undefined,
  };
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  beforeEach(() => {
    syncs = [];
    const file = join(directory, 'items.db');
    db = new Database(file);
    configureConnection(db, 0);
    db.exec('CREATE TABLE items (name TEXT PRIMARY KEY)');
    reader = new Database(file, { readonly: true });
  });
  afterEach(() => {
    reader.close();
    if (db.open) db.close();
  });

  it.each([['one write', ['a']], ['a batch', ['a', 'b', 'c']]])('answers %s only after the sync that follows its COMMIT', async (_name, names) => {
    const commits = createGroupCommit(db, { windowMs: 0, walSync: handSync });
    const modes: unknown[] = [];
    const answered: string[] = [];
    const writes = names.map((name) =>
      commits
        .run(() => {
          modes.push(synchronousNow());
          db.prepare('INSERT INTO items (name) VALUES (?)').run(name);
        })
        .then(() => answered.push(name)),
    );
    expect(commits.durable()).toBeUndefined();
    await turn();
    await turn();
    // Committed (another connection reads the rows), with synchronous=NORMAL (1), and the connection back at FULL (2)
    // for every other write on it; but nobody is answered, and the barrier for other requests is up.
    expect(committed()).toEqual(names);
    expect(modes).toEqual(names.map(() => 1));
    expect(synchronousNow()).toBe(2);
    expect(syncs).toHaveLength(1);
    expect(answered).toEqual([]);
    const barrier = commits.durable();
    expect(barrier).toBeInstanceOf(Promise);

    syncs[0].finish();
    await Promise.all(writes);
    await barrier;
    expect(answered).toEqual(names);
    expect(commits.durable()).toBeUndefined();
  });

  it('answers every write of a batch whose sync fails as unavailable, and lifts the barrier', async () => {
    const commits = createGroupCommit(db, { windowMs: 0, walSync: handSync });
    const writes = ['a', 'b'].map((name) => commits.run(() => db.prepare('INSERT INTO items (name) VALUES (?)').run(name)));
    await turn();
    await turn();
    syncs[0].fail(new Error('EIO: i/o error, fdatasync'));
    const results = await Promise.allSettled(writes);
    expect(results.map(outcomeOf)).toEqual(['unavailable', 'unavailable']);
    expect(commits.durable()).toBeUndefined();
  });

  it('syncs the real WAL file and answers after it, through the store on a file', async () => {
    const file = join(directory, 'scim.db');
    let syncsAsked = 0;
    const walSync = createWalSync(file);
    const counted: WalSync = { sync: () => (syncsAsked++, walSync.sync()), close: () => walSync.close() };
    const store = sqliteStoreOn(configured(new Database(file)), { registry, walSync: counted });
    const created = await Promise.all(['x', 'y'].map((id) => store.resources.create('t1', { resourceType: 'User', id, created: CREATED, attributes: { userName: id }, internal: {} })));
    expect(created.map((row) => row.id)).toEqual(['x', 'y']);
    expect(syncsAsked).toBe(1);
    expect(store.durable?.()).toBeUndefined();
    await store.close();
    const reopened = createSqliteStore({ path: file, registry });
    expect(await reopened.resources.get('t1', 'User', 'y')).toMatchObject({ attributes: { userName: 'y' } });
    await reopened.close();
  });
});

/** A connection with the store's pragmas. */
function configured(db: Database.Database): Database.Database {
  configureConnection(db, 0);
  return db;
}

// The small writes beside the resource writes (rate-limit counters, the audit store's batches of read events, a token's
// last use) join the group transaction too: one COMMIT and one fsync for all the writes of a turn. The evidence is a
// COMMIT that fails: a trigger on the side write's table adds a row that breaks a deferred foreign key, so only the
// COMMIT of the transaction holding the side write fails. Joined, the resource write of the same turn fails with it and
// nothing of either is stored; in a transaction of its own, the resource write would commit.
describe('side writes in the group transaction', () => {
  let db: Database.Database;
  let reader: Database.Database;
  let store: Store;
  const tokenOf = issueToken({ tenantId: 't1', label: 'side writes', scopes: ['scim:read'], now: new Date(CREATED) });
  const user = (id: string) => ({ resourceType: 'User', id, created: CREATED, attributes: { userName: id }, internal: {} });
  const stored = (sql: string) => (reader.prepare(sql).get() as { n: number }).n;

  const sideWrites = {
    'rate-limit counters': {
      table: 'rate_counters',
      event: 'INSERT',
      write: () => store.rateLimits.add([{ key: 'token:side', window: 0, points: 3, expires: CREATED }]),
      count: () => stored("SELECT count(*) AS n FROM rate_counters WHERE key = 'token:side'"),
    },
    "the audit store's batches": {
      table: 'audit_events',
      event: 'INSERT',
      write: () =>
        store.auditEvents.append([
          {
            id: 'event-side',
            tenantId: 't1',
            type: 'USER_GET_SUCCESS',
            time: CREATED,
            outcome: 'success',
            actor: { kind: 'token', tokenId: null, label: 'side writes' },
            requestId: 'request-side',
            clientAddress: null,
          },
        ]),
      count: () => stored("SELECT count(*) AS n FROM audit_events WHERE id = 'event-side'"),
    },
    "a token's last use": {
      table: 'tokens',
      event: 'UPDATE',
      write: () => store.tenants.touchToken(tokenOf.record.id, '2026-02-01T00:00:00.000Z'),
      count: () => stored(`SELECT count(*) AS n FROM tokens WHERE id = '${tokenOf.record.id}' AND last_used IS NOT NULL`),
    },
  } as const;

  beforeEach(async () => {
    const file = join(directory, 'side.db');
    db = new Database(file);
    configureConnection(db, 0);
    store = sqliteStoreOn(db, { registry });
    await store.tenants.createTenant({ id: 't1', name: 't1', profile: 'standard', created: CREATED });
    await store.tenants.createToken(tokenOf.record);
    db.exec(`CREATE TABLE side_parents (id INTEGER PRIMARY KEY);
             CREATE TABLE side_children (parent INTEGER REFERENCES side_parents (id) DEFERRABLE INITIALLY DEFERRED)`);
    reader = new Database(file, { readonly: true });
  });
  afterEach(async () => {
    reader.close();
    await store.close();
  });

  describe.each(Object.entries(sideWrites))('%s', (_name, side) => {
    it('commit with the resource writes of their turn, both answered after that COMMIT', async () => {
      let seenAtAnswer: number[] = [];
      const created = store.resources.create('t1', user('alice'));
      const written = side.write().then(() => {
        seenAtAnswer = [stored("SELECT count(*) AS n FROM resources WHERE id = 'alice'"), side.count()];
      });
      await Promise.all([created, written]);
      expect(seenAtAnswer).toEqual([1, 1]);
    });

    it('fail with them when that COMMIT fails: neither is stored', async () => {
      db.exec(`CREATE TEMP TRIGGER side_breaks_commit AFTER ${side.event} ON main.${side.table} BEGIN
                 INSERT INTO side_children (parent) VALUES (42);
               END`);
      const results = await Promise.allSettled([store.resources.create('t1', user('bob')), side.write()]);
      expect(results.map(outcomeOf)).toEqual(['FOREIGN KEY constraint failed', 'FOREIGN KEY constraint failed']);
      expect(stored("SELECT count(*) AS n FROM resources WHERE id = 'bob'")).toBe(0);
      expect(side.count()).toBe(0);
    });
  });
});

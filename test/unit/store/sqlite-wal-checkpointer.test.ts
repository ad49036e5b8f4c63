// WAL checkpoints off the main thread (src/store/sqlite/wal-checkpointer.ts). The evidence is what SQLite itself
// reports about the log (`PRAGMA wal_checkpoint(NOOP)` on another connection: the pages in the log, and how many of
// them are in the database file) and what the database file holds on its own, copied without its log.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadBuiltinRegistry } from '../../../src/scim/schema/builtin-registry';
import { configureConnection, createSqliteStore } from '../../../src/store/sqlite/sqlite-store';
import { createWalCheckpointer, type WalCheckpointer } from '../../../src/store/sqlite/wal-checkpointer';
import { createGroupCommit } from '../../../src/store/sqlite/group-commit';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'scim-checkpointer-'));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

interface LogState {
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
}

/** Where the log stands, as another connection sees it (NOOP copies nothing). */
const logOf = (spy: Database.Database) => (spy.pragma('wal_checkpoint(NOOP)') as LogState[])[0];

/** The rows of `items` in the database file alone: a copy of it without its log. */
function rowsInDatabaseFile(file: string): number {
  const copy = join(directory, 'copy.db');
  copyFileSync(file, copy);
  const alone = new Database(copy, { readonly: true });
  try {
    return (alone.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;
  } finally {
    alone.close();
  }
}

describe('the WAL checkpointer on a connection', () => {
  let file: string;
  let db: Database.Database;
  let spy: Database.Database;
  let checkpointer: WalCheckpointer | undefined;
  /** One transaction of `rows` rows of about a page each; then what the group commit does after a COMMIT. */
  const commit = (rows: number) => {
    db.transaction(() => {
      for (let row = 0; row < rows; row++) db.prepare('INSERT INTO items (body) VALUES (randomblob(3000))').run();
    })();
    checkpointer?.check();
  };

  beforeEach(() => {
    file = join(directory, 'items.db');
    db = new Database(file);
    configureConnection(db, 0);
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, body BLOB)');
    db.pragma('wal_checkpoint(TRUNCATE)');
    spy = new Database(file);
  });
  afterEach(async () => {
    await checkpointer?.close();
    checkpointer = undefined;
    spy.close();
    if (db.open) db.close();
  });

  it('turns off the checkpoints of the writing connection', () => {
    checkpointer = createWalCheckpointer(db, { path: file, busyTimeoutMs: 0, thresholdFrames: 1e9, limitFrames: 1e9 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    // SQLite's default would have checkpointed at 1,000 pages; nothing has copied a page of these 2,000.
    for (let index = 0; index < 100; index++) commit(20);
    const state = logOf(spy);
    expect(state.log).toBeGreaterThanOrEqual(2000);
    expect(state.checkpointed).toBe(0);
    expect(rowsInDatabaseFile(file)).toBe(0);
    expect(checkpointer.counts()).toEqual({ thread: 0, main: 0 });
  });

  it('copies the log into the database file on its thread once it has grown by the threshold', async () => {
    checkpointer = createWalCheckpointer(db, { path: file, busyTimeoutMs: 0, thresholdFrames: 100, limitFrames: 1e9 });
    for (let index = 0; index < 8; index++) commit(10);
    await checkpointer.idle();
    expect(logOf(spy)).toMatchObject({ log: 96, checkpointed: 0 }); // 12 pages a commit: not yet 100
    commit(10); // past 100 pages: the thread starts
    await checkpointer.idle();
    expect(checkpointer.counts()).toEqual({ thread: 1, main: 0 });
    const state = logOf(spy);
    expect(state.checkpointed).toBe(state.log);
    // The database file alone holds every row: the log is no longer needed for them.
    expect(rowsInDatabaseFile(file)).toBe(90);
    // A complete checkpoint, no reader on the old log: the next write starts the log again from its beginning.
    commit(1);
    expect(logOf(spy).log).toBeLessThan(10);
    expect(checkpointer.counts().main).toBe(0);
  });

  it('keeps the log bounded under writes outside the group commit: past twice the limit the writing connection checkpoints', () => {
    // No turn of the event loop between the commits: the thread's answers wait, and nothing waits for a hold.
    const limitFrames = 200;
    checkpointer = createWalCheckpointer(db, { path: file, busyTimeoutMs: 0, thresholdFrames: 50, limitFrames });
    let longest = 0;
    let restarts = 0;
    let previous = 0;
    for (let index = 0; index < 1000; index++) {
      commit(4);
      const { log } = logOf(spy);
      if (log < previous) restarts += 1;
      previous = log;
      longest = Math.max(longest, log);
    }
    // 4,000 pages written; the log started again at least every few hundred of them.
    expect(restarts).toBeGreaterThanOrEqual(5);
    expect(longest).toBeLessThan(3 * limitFrames);
    expect(checkpointer.counts().main).toBeGreaterThanOrEqual(1);
    expect(rowsInDatabaseFile(file)).toBeGreaterThan(0);
  });

  it('holds the group commit at the limit until the thread has completed the log: continuous writes, no checkpoint on the writer', async () => {
    const limitFrames = 200;
    checkpointer = createWalCheckpointer(db, { path: file, busyTimeoutMs: 0, thresholdFrames: 50, limitFrames });
    const commits = createGroupCommit(db, { windowMs: 0, afterCommit: checkpointer.check, hold: checkpointer.held });
    const insert = db.prepare('INSERT INTO items (body) VALUES (randomblob(3000))');
    let longest = 0;
    let restarts = 0;
    let previous = 0;
    let holds = 0;
    // Four writers, each queueing its next write as soon as the last is answered: the log never rests.
    const writer = async () => {
      for (let index = 0; index < 150; index++) {
        await commits.run(() => insert.run());
        if (checkpointer?.held()) holds += 1;
        const { log } = logOf(spy);
        if (log < previous) restarts += 1;
        previous = log;
        longest = Math.max(longest, log);
      }
    };
    await Promise.all([writer(), writer(), writer(), writer()]);
    // 600 rows of a page each, in group transactions of up to 4: the log reached the limit, the commits waited for the
    // thread, and the next one started the log again; the writing connection itself never checkpointed.
    expect(holds).toBeGreaterThanOrEqual(1);
    expect(restarts).toBeGreaterThanOrEqual(2);
    expect(longest).toBeLessThan(limitFrames + 20);
    expect(checkpointer.counts().main).toBe(0);
    expect(checkpointer.counts().thread).toBeGreaterThanOrEqual(2);
  });

  it('stops its thread on close; the connection then closes with the log checkpointed and removed', async () => {
    checkpointer = createWalCheckpointer(db, { path: file, busyTimeoutMs: 0, thresholdFrames: 10, limitFrames: 1e9 });
    commit(20);
    expect(checkpointer.counts().thread).toBe(0); // started, not yet answered
    await checkpointer.close();
    expect(checkpointer.counts().thread).toBe(1);
    commit(5); // after close: no thread, nothing started
    expect(checkpointer.counts().thread).toBe(1);
    spy.close();
    db.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    expect(rowsInDatabaseFile(file)).toBe(25);
    spy = new Database(file);
  });
});

describe('the store on a file', () => {
  it('checkpoints and starts its log again under writes, and closes with the log checkpointed and removed', async () => {
    const file = join(directory, 'scim.db');
    const store = createSqliteStore({ path: file, registry: loadBuiltinRegistry() });
    const spy = new Database(file);
    let created = 0;
    const createSome = () =>
      Promise.all(
        Array.from({ length: 8 }, () => {
          const n = created++;
          const attributes = { userName: `user${n}`, emails: [{ value: `user${n}@example.com` }] };
          return store.resources.create('t1', { resourceType: 'User', id: `u${n}`, created: '2026-01-01T00:00:00.000Z', attributes, internal: {} });
        }),
      );
    try {
      // Writes go on until a checkpoint has copied pages and a later write has started the log again.
      let restarted = false;
      let copied = false;
      let previous = 0;
      while (!restarted && created < 4000) {
        await createSome();
        const { log, checkpointed } = logOf(spy);
        copied ||= checkpointed > 0;
        restarted = copied && log < previous;
        previous = log;
      }
      expect(restarted).toBe(true);
    } finally {
      spy.close();
      await store.close();
    }
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = new Database(file, { readonly: true });
    try {
      expect((reopened.prepare("SELECT count(*) AS n FROM resources WHERE resource_type = 'User'").get() as { n: number }).n).toBe(created);
    } finally {
      reopened.close();
    }
  });
});

// Group commit: the embedded store's concurrent writes share one transaction, and so one fsync.
//
// The store runs with synchronous=FULL (sqlite-store.ts): every COMMIT waits until the write-ahead log is on disk, and
// better-sqlite3 being synchronous, the whole event loop waits with it. On the machine of README "Performance" that
// wait is about 2.6 ms a commit against about 5 µs for the rows of a write, so one request's fsync holds up every
// other request. Here a write is queued instead of run at once; the writes queued in one turn of the event loop (or
// within `windowMs` of the first) run in ONE immediate transaction, one after the other, and are answered together.
//
// What each write keeps:
// - Its own checks. The writes run in queue order inside the transaction, so each sees the rows of those before it:
//   two creates of one userName meet the unique index like two transactions would (the second is a conflict), and a
//   compare-and-set on a version sees the version an earlier write of the batch left.
// - Its own failure. Each write runs in a SAVEPOINT of its own; a write that throws is rolled back to it alone and
//   answered with its error, and its neighbours still commit.
// - Durability as before. A write's promise settles only after the COMMIT of its transaction is on disk: no client is
//   answered for a write that a power loss could still take back. If the transaction itself fails (BEGIN finds the
//   file locked by another process, COMMIT fails, or an error makes SQLite roll the whole transaction back), every
//   write of the batch is answered with that error: none of them is committed.
// A queue of one is a plain immediate transaction, as a write was before group commit.
//
// Rows gathered for the COMMIT (`gathering`). Rows that the writes of a transaction only add, such as the staged audit
// events of writes (audit-staging.ts), can be gathered in memory as each write runs and inserted together by one
// statement just before the COMMIT, instead of one statement per write inside its savepoint. They are then committed
// exactly when their writes are; the rows of a write rolled back to its savepoint are forgotten with it, and those of
// a transaction that fails are never written.
//
// The fsync off the event loop (`walSync`, on a store file). Without it the connection's synchronous=FULL makes the
// COMMIT itself wait for the fsync, holding the event loop (on a quiet machine a quarter of a create's main-thread
// time). With it, a group transaction commits with synchronous=NORMAL (the frames reach the operating system, not
// yet the disk), wal-sync.ts syncs the WAL file on libuv's thread pool, and the batch is answered only when that sync
// has finished; the connection is set back to FULL for every other write made on it. A sync that fails answers
// every write of its batch `unavailable` (it may or may not survive a power loss; the client must read to know).
// Between the COMMIT and the end of its sync another request could read the batch's rows before they are on disk:
// `durable()` is the barrier for that (http/hold-until-durable.ts holds every response until the commits made
// before it are on disk), and a write of another connection or with synchronous=FULL syncs the whole WAL, the
// batch's frames with it, before it commits.
import type Database from 'better-sqlite3';
import { StoreError } from '../store-error';
import { translated } from './sqlite-errors';
import type { WalSync } from './wal-sync';

export interface GroupCommit {
  /**
   * Runs `work` (synchronous SQL on the store's connection) in the next group transaction, in a savepoint of its own,
   * and settles with its result or its error once that transaction's COMMIT has returned.
   */
  run<T>(work: () => T): Promise<T>;
  /** Commits the writes queued so far, now (before the connection closes). */
  flush(): void;
  /**
   * Undefined when every group transaction committed so far is on disk; otherwise a promise that resolves (never
   * rejects) once they are. Always undefined without `walSync`: each COMMIT is then on disk when it returns.
   */
  durable(): Promise<void> | undefined;
  /** Waits for the syncs in flight (after the last flush, before the connection closes). */
  drain(): Promise<void>;
}

/** What the writes of one group transaction gather for its COMMIT (see above); group-commit.ts drives it. */
export interface CommitGathering {
  /** A group transaction begins: what its writes hand over is gathered from now on, until end(). */
  begin(): void;
  /** How much is gathered: the point to go back to if the write about to run rolls back. */
  mark(): number;
  /** Forgets what was gathered after `mark`: the write that handed it over rolled back to its savepoint. */
  rollbackTo(mark: number): void;
  /** Inserts what is gathered; runs inside the transaction, after its last write, just before its COMMIT. */
  write(): void;
  /** The transaction is over, committed or not: what is gathered is forgotten, and nothing more is gathered. */
  end(): void;
}

export interface GroupCommitOptions {
  /** 0: the writes queued in the current turn of the event loop; n > 0: those queued within n ms of the first. */
  readonly windowMs: number;
  /** Syncs the WAL off the event loop; the group transactions then commit with synchronous=NORMAL (see above). */
  readonly walSync?: WalSync;
  /** Rows the writes of a group transaction gather, inserted together before its COMMIT (see above). */
  readonly gathering?: CommitGathering;
  /** Called after each group COMMIT, once its sync has started (wal-checkpointer.ts looks at the log's size). */
  readonly afterCommit?: () => void;
  /**
   * While it returns a promise, the next group transaction waits for it (never rejected): the writes queue meanwhile.
   * wal-checkpointer.ts holds the writes while a checkpoint completes the log. `flush()` does not wait.
   */
  readonly hold?: () => Promise<void> | undefined;
}

/** Longest gathering window accepted (SCIM_GROUP_COMMIT_WINDOW_MS): each queued write waits up to this long. */
export const MAX_GROUP_COMMIT_WINDOW_MS = 5;

interface Queued {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

export function createGroupCommit(db: Database.Database, options: GroupCommitOptions): GroupCommit {
  const windowMs = Math.min(MAX_GROUP_COMMIT_WINDOW_MS, Math.max(0, options.windowMs));
  let queue: Queued[] = [];
  let scheduled: { cancel(): void } | undefined;
  // Inside the open group transaction, better-sqlite3 runs a nested transaction as a SAVEPOINT … RELEASE, and rolls
  // back to the savepoint when the function throws.
  const inSavepoint = db.transaction((work: () => unknown) => work());
  const walSync = options.walSync;
  const gathering = options.gathering;
  /** The sync started after the latest group COMMIT, while it runs: a later sync covers every earlier COMMIT. */
  let latestSync: Promise<void> | undefined;

  /** Runs one group transaction, with synchronous=NORMAL when the WAL is synced afterwards off the event loop. */
  const committed = <T>(transaction: () => T): T => {
    gathering?.begin();
    try {
      if (!walSync) return transaction();
      // Not prepared once: SQLite applies PRAGMA synchronous when the statement is compiled, not when it runs.
      db.exec('PRAGMA synchronous = NORMAL');
      try {
        return transaction();
      } finally {
        db.exec('PRAGMA synchronous = FULL');
      }
    } finally {
      gathering?.end();
    }
  };

  /** Calls `answer` once the COMMIT that just returned is on disk (at once without walSync). */
  const whenOnDisk = (answer: () => void, fail: (error: unknown) => void) => {
    if (!walSync) {
      answer();
      return;
    }
    const sync = walSync.sync().then(answer, (error: unknown) =>
      fail(new StoreError('unavailable', 'The database file could not be synced to disk; the write may not be stored', { cause: error })),
    );
    latestSync = sync;
    void sync.finally(() => {
      if (latestSync === sync) latestSync = undefined;
    });
  };

  const schedule = () => {
    if (windowMs === 0) {
      // setImmediate runs after the I/O callbacks of this turn: every request read in it has queued its write.
      const immediate = setImmediate(flushUnlessHeld);
      scheduled = { cancel: () => clearImmediate(immediate) };
    } else {
      const timer = setTimeout(flushUnlessHeld, windowMs);
      scheduled = { cancel: () => clearTimeout(timer) };
    }
  };

  /** The scheduled flush: at once, or once the hold is over (the writes queued until then go in one transaction). */
  function flushUnlessHeld(): void {
    const held = options.hold?.();
    if (!held) {
      flush();
      return;
    }
    let cancelled = false;
    scheduled = { cancel: () => (cancelled = true) };
    void held.then(() => {
      if (!cancelled) flushUnlessHeld();
    });
  }

  const commitOne = (item: Queued) => {
    let value: unknown;
    try {
      value = committed(() =>
        db
          .transaction(() => {
            const result = item.work();
            gathering?.write();
            return result;
          })
          .immediate(),
      );
    } catch (error) {
      item.reject(error);
      return;
    }
    whenOnDisk(() => item.resolve(value), item.reject);
    options.afterCommit?.();
  };

  const commitMany = (batch: readonly Queued[]) => {
    const outcomes: Outcome[] = [];
    try {
      committed(() =>
        db.transaction(() => {
        for (const item of batch) {
          const mark = gathering?.mark() ?? 0;
          try {
            outcomes.push({ ok: true, value: inSavepoint(item.work) });
          } catch (error) {
            // Some errors (a full disk, an I/O error) make SQLite roll back the whole transaction: then nothing of the
            // batch is committed, and every write is answered with the error.
            if (!db.inTransaction) throw error;
            gathering?.rollbackTo(mark);
            outcomes.push({ ok: false, error });
          }
        }
        gathering?.write();
      }).immediate(),
      );
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    // Only now, after COMMIT and once it is on disk: each write is answered with its own outcome.
    whenOnDisk(
      () =>
        batch.forEach((item, index) => {
          const outcome = outcomes[index];
          if (outcome.ok) item.resolve(outcome.value);
          else item.reject(outcome.error);
        }),
      (error) => {
        for (const item of batch) item.reject(error);
      },
    );
    options.afterCommit?.();
  };

  function flush(): void {
    scheduled?.cancel();
    scheduled = undefined;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    if (!db.open) {
      const closed = new StoreError('unavailable', 'The database connection is closed');
      for (const item of batch) item.reject(closed);
      return;
    }
    if (batch.length === 1) commitOne(batch[0]);
    else commitMany(batch);
  }

  return {
    run<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (!scheduled) schedule();
      });
    },
    flush,
    durable: () => latestSync,
    async drain() {
      await walSync?.close();
    },
  };
}

/**
 * A store's write through the connection's group commit: `body` (synchronous SQL on `db`) runs in the next group
 * transaction, in a savepoint of its own, and the promise settles after that transaction's COMMIT, with busy and
 * locked failures translated (sqlite-errors.ts). Small writes beside the resource writes (rate-limit counters, the
 * audit store's batches, a token's last use) take it too: each one alone would be a transaction and an fsync of its
 * own, holding the event loop for the length of the fsync.
 */
export function batchedWrite<T>(db: Database.Database, commits: GroupCommit, body: () => T): Promise<T> {
  if (!db.open) return Promise.reject(new StoreError('unavailable', 'The database connection is closed'));
  return commits.run(body).catch((error: unknown) => {
    throw translated(error);
  });
}

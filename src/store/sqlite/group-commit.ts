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
// - Durability as before. A write's promise settles only after the COMMIT of its transaction has returned, that is
//   after the fsync: no client is answered for a write that a power loss could still take back. If the transaction
//   itself fails (BEGIN finds the file locked by another process, COMMIT fails, or an error makes SQLite roll the
//   whole transaction back), every write of the batch is answered with that error: none of them is committed.
// A queue of one is a plain immediate transaction, as a write was before group commit.
import type Database from 'better-sqlite3';
import { StoreError } from '../store-error';
import { translated } from './sqlite-errors';

export interface GroupCommit {
  /**
   * Runs `work` (synchronous SQL on the store's connection) in the next group transaction, in a savepoint of its own,
   * and settles with its result or its error once that transaction's COMMIT has returned.
   */
  run<T>(work: () => T): Promise<T>;
  /** Commits the writes queued so far, now (before the connection closes). */
  flush(): void;
}

export interface GroupCommitOptions {
  /** 0: the writes queued in the current turn of the event loop; n > 0: those queued within n ms of the first. */
  readonly windowMs: number;
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

  const schedule = () => {
    if (windowMs === 0) {
      // setImmediate runs after the I/O callbacks of this turn: every request read in it has queued its write.
      const immediate = setImmediate(flush);
      scheduled = { cancel: () => clearImmediate(immediate) };
    } else {
      const timer = setTimeout(flush, windowMs);
      scheduled = { cancel: () => clearTimeout(timer) };
    }
  };

  const commitOne = (item: Queued) => {
    let value: unknown;
    try {
      value = db.transaction(item.work).immediate();
    } catch (error) {
      item.reject(error);
      return;
    }
    item.resolve(value);
  };

  const commitMany = (batch: readonly Queued[]) => {
    const outcomes: Outcome[] = [];
    try {
      db.transaction(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: inSavepoint(item.work) });
          } catch (error) {
            // Some errors (a full disk, an I/O error) make SQLite roll back the whole transaction: then nothing of the
            // batch is committed, and every write is answered with the error.
            if (!db.inTransaction) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      }).immediate();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    // Only now, after COMMIT: each write is answered with its own outcome.
    batch.forEach((item, index) => {
      const outcome = outcomes[index];
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
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

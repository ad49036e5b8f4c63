// Checkpoints of the embedded store's write-ahead log, off the main thread.
//
// In WAL mode every commit appends pages to the log, and a checkpoint copies them into the database file (syncing the
// log before and the file after), so that the log can start again from its beginning. By default SQLite runs one on
// the committing connection whenever a commit leaves the log at 1,000 pages or more (wal_autocheckpoint): with
// better-sqlite3 that is the main thread, which then stands still for the copy and both fsyncs about every 45 creates
// (README "Performance", round six). Here the writing connection gets wal_autocheckpoint = 0, and a thread of its own
// (checkpoint-worker.js) runs PASSIVE checkpoints on a second connection: they never take the write lock and never wait
// for a reader, so the writer and the read threads go on while the pages are copied.
//
// When. After each group commit (and once a second, for the writes made outside it: memberships, jobs, the outbox)
// the writing connection asks SQLite where the log stands with `PRAGMA wal_checkpoint(NOOP)`, which reads the log's
// index and copies nothing (a few microseconds). A checkpoint starts on the thread once `thresholdFrames` pages (the
// default of wal_autocheckpoint) are in the log and not yet in the database file; one at a time.
//
// Bound. The log starts again from its beginning only when a write begins after a checkpoint that copied ALL of it,
// with no reader still on the old pages. Under continuous writes a checkpoint on another thread rarely catches up:
// commits append while it copies. So once the log holds `limitFrames` pages (four times the threshold by default), the
// group commit holds its next transaction (group-commit.ts `hold`; the writes queue, the event loop goes on serving)
// until the checkpoint in flight has ended and one more has copied the rest with nothing appended meanwhile; the
// first write after it starts the log again. The log so stays under the limit plus one group transaction. Two things
// can still keep a checkpoint from the end: a read on older pages (SCIM_QUERY_TIMEOUT_MS bounds those of the read
// threads), and writes outside the group commit (memberships, jobs, the outbox) made during the hold. Then no new hold
// is tried before the log has grown by another threshold, and at twice the limit the writing connection runs the
// PASSIVE checkpoint itself after its commit, as wal_autocheckpoint would have. A long read holds the log past every
// bound, as it does with wal_autocheckpoint; it shrinks back when the read ends.
//
// Durability is not decided here. Every write is answered only once the log that holds it is on disk (group-commit.ts,
// wal-sync.ts); a checkpoint copies only committed pages, syncs the log before it writes the database file, and syncs
// the file before it records how far it got, so a crash at any point of it leaves the log to replay. A thread that
// fails (it should not) gives the checkpoints back to SQLite: wal_autocheckpoint returns to its default.
import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

export interface WalCheckpointerOptions {
  /** The store file; the thread opens a connection of its own to it. */
  readonly path: string;
  readonly busyTimeoutMs: number;
  /** Pages in the log and not yet in the database file that start a checkpoint on the thread. */
  readonly thresholdFrames?: number;
  /** Pages in the log past which the group commit waits for a complete checkpoint (see "Bound" above). */
  readonly limitFrames?: number;
}

export interface WalCheckpointer {
  /** Called after a commit of the writing connection: starts a checkpoint when the log has grown enough. */
  check(): void;
  /**
   * Undefined, or, while the log is being completed on the thread past the limit, a promise (never rejected) that the
   * group commit waits for before its next transaction.
   */
  held(): Promise<void> | undefined;
  /** Checkpoints run so far: on the thread, and on the writing connection (past the bound). */
  counts(): { readonly thread: number; readonly main: number };
  /** Resolves once no checkpoint runs on the thread. */
  idle(): Promise<void>;
  /** Stops the thread after the checkpoint it runs, if any; the connection's own close checkpoints the rest. */
  close(): Promise<void>;
}

/** SQLite's default wal_autocheckpoint, in pages. */
export const DEFAULT_CHECKPOINT_FRAMES = 1000;
/** How often the log is looked at without a group commit (writes outside it, a quiet server after a burst). */
const CHECK_INTERVAL_MS = 1000;
const WORKER_FILE = join(__dirname, 'checkpoint-worker.js');

interface LogState {
  readonly busy: number;
  /** Pages in the log (−1 when SQLite could not tell). */
  readonly log: number;
  /** How many of them are in the database file. */
  readonly checkpointed: number;
}

interface WorkerMessage {
  readonly result?: LogState;
  readonly error?: { readonly message: string; readonly code?: string };
}

export function createWalCheckpointer(db: Database.Database, options: WalCheckpointerOptions): WalCheckpointer {
  const thresholdFrames = options.thresholdFrames ?? DEFAULT_CHECKPOINT_FRAMES;
  const limitFrames = Math.max(thresholdFrames, options.limitFrames ?? 4 * thresholdFrames);
  db.pragma('wal_autocheckpoint = 0');
  const logState = db.prepare('PRAGMA wal_checkpoint(NOOP)');
  const counts = { thread: 0, main: 0 };
  let worker: Worker | undefined;
  /** The checkpoint on the thread, until its answer: what it found, or undefined when it failed. */
  let running: { readonly done: Promise<LogState | undefined>; readonly settle: (state?: LogState) => void } | undefined;
  /** While set, the group commit waits before its next transaction (see "Bound" above). */
  let holding: Promise<void> | undefined;
  /** After a hold that could not complete the log: no new hold before the log has grown by another threshold. */
  let nextHoldAt = 0;
  let stopped = false;

  /** The thread failed: SQLite checkpoints on the writing connection again, as it does by default. */
  const giveBack = () => {
    worker = undefined;
    running?.settle();
    running = undefined;
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    if (db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_CHECKPOINT_FRAMES}`);
  };

  const startWorker = (): Worker => {
    const started = new Worker(WORKER_FILE, { workerData: { path: options.path, busyTimeoutMs: options.busyTimeoutMs } });
    // An idle checkpointer must not keep the process alive (a server stops by closing its store).
    started.unref();
    started.on('message', (message: WorkerMessage) => {
      if (message.result) counts.thread += 1;
      // A failed checkpoint (an I/O error) is tried again at the next look at the log; past twice the limit the
      // writing connection's own checkpoint meets the same error where the write that follows can see it.
      running?.settle(message.result);
      running = undefined;
    });
    started.on('error', giveBack);
    started.on('exit', () => {
      if (worker === started) giveBack();
    });
    return started;
  };

  const onThread = (): Promise<LogState | undefined> => {
    if (stopped) return Promise.resolve(undefined);
    worker ??= startWorker();
    let settle!: (state?: LogState) => void;
    const done = new Promise<LogState | undefined>((resolve) => (settle = resolve));
    running = { done, settle };
    worker.postMessage('checkpoint');
    return done;
  };

  /** With the group commit held: the checkpoint in flight ends, and one more copies what it could not. */
  const completeOnThread = async (log: number) => {
    await running?.done;
    const last = await onThread();
    // A reader on older pages, or a write outside the group commit, kept it from the end of the log: wait for another
    // threshold rather than hold every commit while that reader runs.
    nextHoldAt = last && last.checkpointed >= last.log ? 0 : log + thresholdFrames;
  };

  /** The writing connection's own PASSIVE checkpoint, as wal_autocheckpoint would run it (busy at once if the thread copies). */
  const onMain = () => {
    try {
      const [ran] = db.pragma('wal_checkpoint(PASSIVE)') as LogState[];
      if (!ran.busy) counts.main += 1;
    } catch {
      // The commits before it are done and answered apart from it; an I/O error here meets the next write too.
    }
  };

  const check = () => {
    if (stopped || !db.open || db.inTransaction) return;
    const { log, checkpointed } = logState.get() as LogState;
    if (log <= 0 || checkpointed >= log) return;
    if (log >= 2 * limitFrames) {
      onMain();
    } else if (log >= Math.max(limitFrames, nextHoldAt)) {
      holding ??= completeOnThread(log).finally(() => (holding = undefined));
    } else if (!running && log - checkpointed >= thresholdFrames) {
      void onThread();
    }
  };

  const timer = setInterval(check, CHECK_INTERVAL_MS);
  timer.unref();

  return {
    check,
    held: () => holding,
    counts: () => ({ ...counts }),
    idle: async () => {
      await running?.done;
    },
    async close() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      const closing = worker;
      worker = undefined;
      if (!closing) return;
      // Held until it has exited: unreferenced, the thread would let the process end in the middle of the close.
      closing.ref();
      await running?.done;
      const exited = once(closing, 'exit').catch(() => undefined);
      closing.postMessage('close');
      await exited;
    },
  };
}

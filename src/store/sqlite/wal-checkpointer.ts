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
// writing connection runs one PASSIVE checkpoint itself after its commit, as wal_autocheckpoint would have (SQLite
// answers it busy at once while the thread still copies; the next commit tries again): between two transactions
// nothing is appended, so unless a reader still holds old pages it copies the rest (a threshold's worth or so: the
// thread copied the others) and the next write starts the log again. The log so stays under the limit plus what is
// written while one checkpoint of the thread runs. A long read can hold the log past the bound, as it can with wal_autocheckpoint; it shrinks back when the
// read ends (SCIM_QUERY_TIMEOUT_MS bounds the reads of the read threads).
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
  /** Pages in the log past which the writing connection checkpoints itself (see "Bound" above). */
  readonly limitFrames?: number;
}

export interface WalCheckpointer {
  /** Called after a commit of the writing connection: starts a checkpoint when the log has grown enough. */
  check(): void;
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
  let running: { readonly done: Promise<void>; readonly settle: () => void } | undefined;
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
      // A failed checkpoint (an I/O error) is tried again at the next look at the log; past the bound the writing
      // connection's own checkpoint meets the same error where the write that follows can see it.
      running?.settle();
      running = undefined;
    });
    started.on('error', giveBack);
    started.on('exit', () => {
      if (worker === started) giveBack();
    });
    return started;
  };

  const onThread = () => {
    worker ??= startWorker();
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    running = { done, settle };
    worker.postMessage('checkpoint');
  };

  const check = () => {
    if (stopped || !db.open || db.inTransaction) return;
    const { log, checkpointed } = logState.get() as LogState;
    if (log <= 0) return;
    if (log >= limitFrames && checkpointed < log) {
      // Also while the thread is (or seems) busy: its message may wait for a later turn of the event loop. If it is
      // still copying, SQLite answers busy at once, without waiting, and the next commit tries again.
      try {
        const [ran] = db.pragma('wal_checkpoint(PASSIVE)') as LogState[];
        if (!ran.busy) counts.main += 1;
      } catch {
        // The commits before it are done and answered apart from it; an I/O error here meets the next write too.
      }
    } else if (!running && log - checkpointed >= thresholdFrames) {
      onThread();
    }
  };

  const timer = setInterval(check, CHECK_INTERVAL_MS);
  timer.unref();

  return {
    check,
    counts: () => ({ ...counts }),
    idle: async () => running?.done,
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

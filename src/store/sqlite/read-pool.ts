// A small pool of worker threads that run the embedded store's heavy reads (list and search queries) off the main
// thread. better-sqlite3 is synchronous: a query on the main thread holds the event loop, and with it every request of
// every tenant, for as long as it runs. Here each thread has its own read-only connection to the store file (WAL: any
// number of readers beside the one writer), so a slow query delays only the reads queued behind it, and `/health`,
// writes and point reads answer meanwhile. Point reads by id stay on the main thread, where they cost less than a
// message to a thread.
//
// Each read has a time limit, counted from the moment a thread starts it: past it the read is answered with StoreError
// `timeout`. SQLite cannot be interrupted from another thread through better-sqlite3, so the thread still running the
// query is terminated and replaced by a fresh one; the pool keeps its size and the caller never waits for the
// abandoned query. Reads wait for a free thread in arrival order; past MAX_WAITING of them, a read is refused at once
// (`unavailable`) rather than queued behind work that would take longer than any client waits.
//
// Reads see what the main connection has committed when they start: a write acknowledged to a client is committed
// before its response is sent, so a later list by the same client sees it.
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { StoreError } from '../store-error';
import type { SqlValue } from './filter-to-sql';
import { translated } from './sqlite-errors';

/** One statement of a read: its rows, or only the first row (`first`; undefined when there is none). */
export interface PooledRead {
  readonly sql: string;
  readonly params: readonly (SqlValue | null)[];
  readonly first?: boolean;
}

export interface SqliteReadPoolOptions {
  /** The store file (never ':memory:': a private in-memory database cannot be shared with another connection). */
  readonly path: string;
  /** Threads, each with its own connection (SCIM_READ_WORKERS). */
  readonly workers: number;
  /** Longest a read may run on its thread (SCIM_QUERY_TIMEOUT_MS). */
  readonly timeoutMs: number;
  readonly busyTimeoutMs: number;
}

export interface SqliteReadPool {
  /** Runs the statements in one read transaction on a pooled connection; one result per statement, in order. */
  read(reads: readonly PooledRead[]): Promise<unknown[]>;
  /** Stops every thread; reads still waiting are answered `unavailable`. */
  close(): Promise<void>;
}

/** Reads that may wait for a thread; more are refused at once. */
export const MAX_WAITING = 1000;

const WORKER_FILE = join(__dirname, 'read-worker.js');

interface Job {
  readonly id: number;
  readonly reads: readonly PooledRead[];
  readonly resolve: (results: unknown[]) => void;
  readonly reject: (error: unknown) => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker?: Worker;
  /** The connection is open: the thread takes reads. */
  ready: boolean;
  job?: Job;
}

interface WorkerMessage {
  readonly ready?: boolean;
  readonly id?: number;
  readonly results?: unknown[];
  readonly error?: { readonly message: string; readonly code?: string };
}

const closedError = () => new StoreError('unavailable', 'The database connection is closed');

export function createSqliteReadPool(options: SqliteReadPoolOptions): SqliteReadPool {
  const waiting: Job[] = [];
  const slots: Slot[] = [];
  let nextId = 0;
  let closed = false;

  const startWorker = (slot: Slot) => {
    const worker = new Worker(WORKER_FILE, { workerData: { path: options.path, busyTimeoutMs: options.busyTimeoutMs } });
    slot.worker = worker;
    slot.ready = false;
    // An idle pool must not keep the process alive (a server stops by closing its store).
    worker.unref();
    worker.on('message', (message: WorkerMessage) => {
      if (slot.worker !== worker) return;
      if (message.ready) {
        slot.ready = true;
        dispatch();
        return;
      }
      const { job } = slot;
      if (!job || job.id !== message.id) return;
      release(slot, job);
      if (message.error) job.reject(translated(Object.assign(new Error(message.error.message), { code: message.error.code })));
      else job.resolve(message.results ?? []);
    });
    // A thread that dies (it should not) takes its read with it.
    worker.on('error', (error) => lost(slot, worker, new StoreError('unavailable', 'A read thread of the database failed', { cause: error })));
    worker.on('exit', () => lost(slot, worker, new StoreError('unavailable', 'A read thread of the database stopped')));
  };

  /** The slot's read is over (answered, failed or stopped): the slot takes the next waiting read. */
  const release = (slot: Slot, job: Job) => {
    clearTimeout(job.timer);
    slot.job = undefined;
    dispatch();
  };

  const lost = (slot: Slot, worker: Worker, error: StoreError) => {
    if (slot.worker !== worker) return;
    const { job, ready } = slot;
    slot.worker = undefined;
    if (job) {
      release(slot, job);
      job.reject(error);
    }
    // A thread that never opened its connection would fail again: only one that worked is replaced.
    if (!closed && ready) startWorker(slot);
    if (slots.every((candidate) => candidate.worker === undefined)) {
      for (const queued of waiting.splice(0)) queued.reject(error);
    }
  };

  const dispatch = () => {
    for (const slot of slots) {
      if (closed || waiting.length === 0) return;
      if (!slot.ready || slot.job || !slot.worker) continue;
      const job = waiting.shift()!;
      slot.job = job;
      job.timer = setTimeout(() => stop(slot, job), options.timeoutMs);
      job.timer.unref();
      slot.worker.postMessage({ id: job.id, reads: job.reads });
    }
  };

  /** The read ran past its time limit. It cannot be interrupted: its thread goes (it ends once the statement returns). */
  const stop = (slot: Slot, job: Job) => {
    if (slot.job !== job || !slot.worker) return;
    const stuck = slot.worker;
    // The new thread first, so that the slot takes no read before it is ready.
    startWorker(slot);
    void stuck.terminate();
    release(slot, job);
    job.reject(new StoreError('timeout', `The query ran past the time limit of ${options.timeoutMs} ms`));
  };

  for (let index = 0; index < Math.max(1, options.workers); index++) {
    const slot: Slot = { ready: false };
    slots.push(slot);
    startWorker(slot);
  }

  return {
    read(reads) {
      if (closed || slots.every((slot) => slot.worker === undefined)) return Promise.reject(closedError());
      if (waiting.length >= MAX_WAITING) return Promise.reject(new StoreError('unavailable', `${MAX_WAITING} queries are already waiting for the database`));
      return new Promise<unknown[]>((resolve, reject) => {
        waiting.push({ id: ++nextId, reads, resolve, reject });
        dispatch();
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const job of waiting.splice(0)) job.reject(closedError());
      await Promise.all(
        slots.map(async (slot) => {
          const { job, worker } = slot;
          if (job) {
            clearTimeout(job.timer);
            slot.job = undefined;
            job.reject(closedError());
          }
          await worker?.terminate();
        }),
      );
    },
  };
}

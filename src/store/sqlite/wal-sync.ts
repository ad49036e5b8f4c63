// Makes the write-ahead log durable off the event loop: an fdatasync of the WAL file on libuv's thread pool.
//
// With synchronous=FULL, SQLite fsyncs the WAL inside every COMMIT, and better-sqlite3 being synchronous, the whole
// event loop waits for the disk. With synchronous=NORMAL, the COMMIT only writes the WAL frames (into the operating
// system's cache) and SQLite syncs them at the next checkpoint: FULL is exactly NORMAL plus this one sync of the WAL
// file at commit (https://sqlite.org/pragma.html#pragma_synchronous, "WAL mode"). group-commit.ts commits with NORMAL
// and then calls sync() here before it answers any write of the batch, so "no answer before the COMMIT that holds it
// is on disk" still holds, while the main thread serves other requests during the wait.
//
// Why a sync that starts after a COMMIT makes that COMMIT durable: fdatasync(2) flushes every dirty page of the file
// (of the inode, whichever descriptor wrote it) and the size it needs to be read back. And WAL frames carry
// cumulative checksums, so on recovery SQLite replays the log only up to the first frame that does not check out: a
// later commit can never survive a crash without the earlier ones.
//
// SQLite keeps the WAL file (the same inode: it is truncated or rewritten from its start, never replaced) while any
// connection to the database is open; it deletes it when the last one closes. The store's own connection stays open
// for the store's whole life, so one descriptor, opened at the first sync (after a COMMIT, so the file exists), serves
// every sync; close() waits for the syncs in flight before closing it.
import { closeSync, fdatasync, openSync } from 'node:fs';

export interface WalSync {
  /** Resolves once everything written to the WAL before the call is on disk; rejects on an I/O error. */
  sync(): Promise<void>;
  /** Waits for the syncs in flight, then closes the descriptor. */
  close(): Promise<void>;
}

export function createWalSync(databaseFile: string): WalSync {
  let fd: number | undefined;
  const inFlight = new Set<Promise<void>>();
  return {
    sync() {
      const started = new Promise<void>((resolve, reject) => {
        fd ??= openSync(`${databaseFile}-wal`, 'r');
        fdatasync(fd, (error) => (error ? reject(error) : resolve()));
      });
      inFlight.add(started);
      const forget = () => inFlight.delete(started);
      started.then(forget, forget);
      return started;
    },
    async close() {
      await Promise.allSettled([...inFlight]);
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

// The embedded store's checkpointer thread (wal-checkpointer.ts). It owns a connection of its own to the store file
// and, on each message, runs one PASSIVE checkpoint: it copies the write-ahead log's committed pages into the
// database file without ever taking the write lock or waiting for a reader (https://sqlite.org/c3ref/wal_checkpoint_v2.html),
// so the writer on the main thread and the read threads go on meanwhile. The copy and its two fsyncs (the WAL before
// it, the database file after it) then hold up this thread alone, instead of the event loop that serves every request.
//
// Plain JavaScript on purpose, like read-worker.js: a worker thread loads its file with Node's own loader, both from
// dist/ and when the test suite runs the TypeScript sources.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');

const db = new Database(workerData.path, { fileMustExist: true, timeout: workerData.busyTimeoutMs });
db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(workerData.busyTimeoutMs))}`);
// A checkpoint syncs the WAL before it copies and the database file after, unless synchronous is OFF: set it
// explicitly, so that the database file never holds pages whose log is not on disk. This connection never writes rows.
db.pragma('synchronous = FULL');
db.pragma('wal_autocheckpoint = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    // { busy, log, checkpointed }: the frames in the log, and how many of them are now in the database file.
    parentPort.postMessage({ result: checkpoint.get() });
  } catch (error) {
    // Only what the main thread needs to log; the error itself stays here.
    parentPort.postMessage({ error: { message: String(error && error.message), code: error && error.code } });
  }
});

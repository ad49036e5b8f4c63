// One thread of the embedded store's read pool (read-pool.ts). It owns a read-only connection to the store file
// (WAL lets any number of readers run beside the one writer on the main thread) and answers each message with the
// rows of its statements, all read in one transaction so that they see the same snapshot (a list's count and page).
// The SQL comes from the main thread, already built and parameterised; this thread only runs it, so that a slow
// query holds up this thread alone and never the event loop that serves every other request.
//
// Plain JavaScript on purpose: a worker thread loads its file with Node's own loader, both from dist/ and when the
// test suite runs the TypeScript sources.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');

/**
 * Prepared statements by SQL text, least recently used first out (filter shapes come from clients): the cache of
 * statement-cache.ts, again here because this thread cannot load a TypeScript module when the tests run the sources.
 */
const CACHE_CAPACITY = 256;

const db = new Database(workerData.path, { readonly: true, fileMustExist: true, timeout: workerData.busyTimeoutMs });
db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(workerData.busyTimeoutMs))}`);

const statements = new Map();

function prepared(sql) {
  const cached = statements.get(sql);
  if (cached) {
    statements.delete(sql);
    statements.set(sql, cached);
    return cached;
  }
  const statement = db.prepare(sql);
  statements.set(sql, statement);
  if (statements.size > CACHE_CAPACITY) statements.delete(statements.keys().next().value);
  return statement;
}

const readAll = db.transaction((reads) => reads.map((read) => (read.first ? prepared(read.sql).get(...read.params) : prepared(read.sql).all(...read.params))));

// Ready once the connection is open: the pool sends no read before, so that a thread's start-up is not counted in
// the time limit of the read it runs.
parentPort.postMessage({ ready: true });

parentPort.on('message', (message) => {
  try {
    parentPort.postMessage({ id: message.id, results: readAll(message.reads) });
  } catch (error) {
    // Only what the main thread needs to classify the failure (sqlite-errors.ts); the error itself stays here.
    parentPort.postMessage({ id: message.id, error: { message: String(error && error.message), code: error && error.code } });
  }
});

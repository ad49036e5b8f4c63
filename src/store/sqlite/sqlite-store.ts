// The embedded default store: one SQLite file (or an in-memory database) through better-sqlite3.
//
// Durability. The journal is a write-ahead log (WAL): readers never block the writer, and a crash never leaves a
// half-written transaction. SQLite documents (PRAGMA synchronous) that committed transactions survive an
// APPLICATION crash whatever the synchronous setting: after COMMIT returns, the transaction is in the WAL file in the
// operating system's hands, so `kill -9` of the server loses nothing (test/unit/store/sqlite-durability.test.ts
// checks it). What synchronous=NORMAL gives up in WAL mode is durability across an OPERATING-SYSTEM crash or power
// loss: the WAL is only fsynced at checkpoints, so the last commits may roll back. We use synchronous=FULL, which
// fsyncs the WAL at every commit: a SCIM client that got a 201 must be able to rely on it (an identity provider
// does not re-send a provisioning it saw succeed). The group transactions below get the same guarantee another way.
//
// Writes are synchronous in one process (better-sqlite3), so they never interleave; BEGIN IMMEDIATE takes the write
// lock at the start of each write transaction, and busy_timeout makes a second process (e.g. the admin CLI) wait
// for it instead of failing at once. The resource writes of concurrent requests share one transaction and one fsync
// (group-commit.ts), each answered only once that transaction is on disk; on a file, that fsync runs off the event
// loop (wal-sync.ts): the group transactions commit with synchronous=NORMAL and are answered after an fdatasync of
// the WAL on libuv's thread pool, which is what FULL would have done inside the COMMIT.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { SchemaRegistry } from '../../scim/schema/registry';
import { StoreError } from '../store-error';
import type { Store } from '../tenant-store';
import { announcingAccessChanges, createAccessChanges } from '../access-changes';
import { ensureDerivedData } from './derived-data';
import { migrate } from './migrations';
import { createStoreModel } from '../model/resource-model';
import { translateErrors } from './sqlite-errors';
import { createSqliteAuditEventStore } from './sqlite-audit-event-store';
import { blobDirectoryOf, createSqliteBlobStore } from './sqlite-blob-store';
import { createSqliteJobStore } from './sqlite-job-store';
import { createSqliteMembershipStore } from './sqlite-membership-store';
import { createSqliteIdempotencyStore } from './sqlite-idempotency-store';
import { createSqliteOutboxStore } from './sqlite-outbox-store';
import { createSqliteRateLimitStore } from './sqlite-rate-limit-store';
import { createSqliteReadPool, type SqliteReadPool } from './read-pool';
import { createSqliteResourceStore } from './sqlite-resource-store';
import { deleteSqliteTenant } from './sqlite-tenant-deletion';
import { createSqliteSettingsStore } from './sqlite-settings-store';
import { createSqliteInvitationStore } from './sqlite-invitation-store';
import { createSqliteSignInStore } from './sqlite-sign-in-store';
import { createSqliteTenantStore } from './sqlite-tenant-store';
import { createStatementCache } from './statement-cache';
import { createAuditStaging } from './audit-staging';
import { createGroupCommit } from './group-commit';
import { createWalSync, type WalSync } from './wal-sync';
import { createWalCheckpointer, type WalCheckpointer } from './wal-checkpointer';

export interface SqliteStoreOptions {
  /** A file path (its directory is created when missing), or ':memory:' for a private in-memory database. */
  readonly path: string;
  readonly registry: SchemaRegistry;
  /** How long a write waits for another connection's lock before failing with `unavailable`. */
  readonly busyTimeoutMs?: number;
  /** Refuse to create a file that does not exist yet (the admin CLI, so that a mistyped path is not a new store). */
  readonly mustExist?: boolean;
  /**
   * List and search queries run on this many threads of their own (read-pool.ts), each stopped past `timeoutMs`.
   * Without it, or with 0 workers, or for an in-memory database, they run on the main connection.
   */
  readonly reads?: { readonly workers: number; readonly timeoutMs: number };
  /** How long concurrent writes are gathered into one transaction (group-commit.ts); 0 (default): one event-loop turn. */
  readonly groupCommitWindowMs?: number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** The pragmas of every connection to a store database. */
export function configureConnection(db: Database.Database, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
  if (!db.memory) {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (String(mode).toLowerCase() !== 'wal') {
      throw new Error(`SQLite could not switch ${db.name} to write-ahead logging (journal mode is ${String(mode)}); put the file on a local filesystem`);
    }
  }
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
}

export function createSqliteStore(options: SqliteStoreOptions): Store {
  const inMemory = options.path === ':memory:' || options.path === '';
  if (!inMemory && options.mustExist && !existsSync(options.path)) {
    throw new StoreError('not_found', `No database file at ${resolve(options.path)}`);
  }
  if (!inMemory) mkdirSync(dirname(resolve(options.path)), { recursive: true });
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const db = new Database(options.path, { timeout: busyTimeoutMs });
  try {
    configureConnection(db, busyTimeoutMs);
    // The pool's connections open the file once the main connection has brought its schema up to date.
    const readPool = () =>
      !inMemory && options.reads && options.reads.workers > 0
        ? createSqliteReadPool({ path: resolve(options.path), workers: options.reads.workers, timeoutMs: options.reads.timeoutMs, busyTimeoutMs })
        : undefined;
    return sqliteStoreOn(db, {
      registry: options.registry,
      blobDirectory: inMemory ? undefined : blobDirectoryOf(resolve(options.path)),
      readPool,
      groupCommitWindowMs: options.groupCommitWindowMs,
      walSync: inMemory ? undefined : createWalSync(resolve(options.path)),
      checkpointer: inMemory ? undefined : () => createWalCheckpointer(db, { path: resolve(options.path), busyTimeoutMs }),
    });
  } catch (error) {
    db.close();
    throw error;
  }
}

export interface SqliteStoreOnOptions {
  readonly registry: SchemaRegistry;
  /** Where blob files go, beside the database file; without one (an in-memory database) blobs stay in the database. */
  readonly blobDirectory?: string;
  /** Opens the pool that list queries run on (after the migrations); without it they run on `db`. */
  readonly readPool?: () => SqliteReadPool | undefined;
  /** SqliteStoreOptions.groupCommitWindowMs. */
  readonly groupCommitWindowMs?: number;
  /** Syncs the WAL of `db` off the event loop after each group transaction (group-commit.ts); without it each COMMIT syncs. */
  readonly walSync?: WalSync;
  /**
   * Takes the WAL checkpoints off `db` (wal-checkpointer.ts), after the migrations; without it SQLite checkpoints on
   * `db` after its commits (wal_autocheckpoint).
   */
  readonly checkpointer?: () => WalCheckpointer;
}

/**
 * The store on a connection that configureConnection has set up (createSqliteStore opens one from a path); it brings
 * the schema up to date first. Closing the store closes the connection.
 */
export function sqliteStoreOn(db: Database.Database, options: SqliteStoreOnOptions): Store {
  migrate(db);
  const model = createStoreModel(options.registry);
  ensureDerivedData(db, model);
  const statements = createStatementCache(db);
  const blobs = createSqliteBlobStore({ db, statements, directory: options.blobDirectory });
  const readPool = options.readPool?.();
  const accessChanges = createAccessChanges();
  const auditStaging = createAuditStaging(statements);
  const checkpointer = options.checkpointer?.();
  const commits = createGroupCommit(db, {
    windowMs: options.groupCommitWindowMs ?? 0,
    walSync: options.walSync,
    gathering: auditStaging,
    afterCommit: checkpointer?.check,
    hold: checkpointer?.held,
  });
  const auditEvents = createSqliteAuditEventStore({ db, statements, commits, staging: auditStaging });
  return {
    resources: createSqliteResourceStore({ db, statements, model, readPool, commits, auditStaging }),
    tenants: announcingAccessChanges(createSqliteTenantStore({ db, statements, commits }), accessChanges),
    memberships: createSqliteMembershipStore({ db, statements }),
    async deleteTenant(tenantId) {
      // Blob files are not rows: their names are read before the rows go, and the files removed after.
      const blobFiles = blobs.filesOf(tenantId);
      try {
        const deletion = deleteSqliteTenant(db, tenantId);
        if (deletion) await blobs.removeFiles(blobFiles);
        return deletion;
      } finally {
        accessChanges.notify();
      }
    },
    settings: createSqliteSettingsStore({ db, statements }),
    jobs: createSqliteJobStore({ db, statements }),
    outbox: createSqliteOutboxStore({ db, statements }),
    auditEvents,
    blobs,
    rateLimits: createSqliteRateLimitStore({ db, statements, commits }),
    idempotency: createSqliteIdempotencyStore({ db, statements }),
    signIns: createSqliteSignInStore({ db, statements }),
    invitations: createSqliteInvitationStore({ db, statements }),
    durable: () => commits.durable(),
    async ping() {
      translateErrors(() => db.open, () => statements.get('SELECT 1').get());
    },
    async close() {
      await readPool?.close();
      auditEvents.stop();
      if (!db.open) {
        await checkpointer?.close();
        return;
      }
      // Writes still queued are committed (and answered) before the connection goes.
      commits.flush();
      await commits.drain();
      // The thread's connection first: the last connection to close checkpoints what is left and removes the log.
      await checkpointer?.close();
      // Lets SQLite refresh the planner's statistics for the indexes used since open (cheap; see PRAGMA optimize).
      db.pragma('optimize');
      db.close();
      await blobs.close();
    },
  };
}

// SQLite failures in the store's error family. Only what a caller can act on is translated: a locked or busy
// database (another process holds the write lock beyond busy_timeout) and a closed connection are `unavailable`,
// worth a retry; constraint failures are turned into conflicts where they happen (the caller knows which attribute).
// Anything else escapes as it is, to be logged as an internal error.
import { StoreError } from '../store-error';

const UNAVAILABLE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED', 'SQLITE_LOCKED_SHAREDCACHE']);

export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

export function isUniqueViolation(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Runs a synchronous database call, translating the failures listed above. */
export function translateErrors<T>(open: () => boolean, call: () => T): T {
  if (!open()) throw new StoreError('unavailable', 'The database connection is closed');
  try {
    return call();
  } catch (error) {
    throw translated(error);
  }
}

/** `unavailable` for a busy or locked database; the error itself otherwise. */
export function translated(error: unknown): unknown {
  const code = sqliteCode(error);
  return code !== undefined && UNAVAILABLE_CODES.has(code) ? new StoreError('unavailable', `The database is busy (${code})`, { cause: error }) : error;
}

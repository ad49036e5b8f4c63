// MongoDB failures in the store's error family. What a caller can act on is translated:
//   - a duplicate key (E11000) on a unique index is a `conflict`, naming the attribute the index guards;
//   - a database that cannot be reached, is electing a primary, or is shutting down is `unavailable` (503, worth a
//     retry; the driver has already retried a read or write once, see mongo-store.ts);
// anything else escapes as it is, to be logged as an internal error. Values are never copied into messages: a
// duplicate key error's text holds the taken value.
import {
  MongoBulkWriteError,
  MongoClientClosedError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Collection,
  type Document,
  type OptionalId,
} from 'mongodb';
import { StoreError } from '../store-error';

export const DUPLICATE_KEY = 11000;
/** The server stopped an operation at its maxTimeMS. */
export const MAX_TIME_MS_EXPIRED = 50;

/**
 * Server error codes of a node that cannot serve now but will (MongoDB's own retryable-error list: elections, step
 * downs, shutdowns, network trouble between nodes).
 */
const UNAVAILABLE_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
  63, // StaleShardVersion
  150, // StaleEpoch
  13388, // StaleConfig
  134, // ReadConcernMajorityNotAvailableYet
]);

export function isDuplicateKey(error: unknown): error is MongoServerError {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

export function isUnavailable(error: unknown): boolean {
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoClientClosedError
  ) {
    return true;
  }
  if (!(error instanceof MongoError)) return false;
  if (error.hasErrorLabel('RetryableWriteError') || error.hasErrorLabel('SystemOverloadedError')) return true;
  return typeof error.code === 'number' && UNAVAILABLE_CODES.has(error.code);
}

/** What a duplicate key error (E11000) says about the index: its message and, on MongoDB 4.4+, the key pattern. */
export interface DuplicateKeyDetails {
  readonly message: string;
  readonly keyPattern?: unknown;
}

/** The details of a duplicate key error thrown by a single-document operation. */
export function duplicateKeyDetails(error: MongoServerError): DuplicateKeyDetails {
  return { message: error.message, keyPattern: (error as { keyPattern?: unknown }).keyPattern };
}

/**
 * The fields of the unique index a duplicate key error names: the server reports `keyPattern` (MongoDB 4.4+);
 * older servers and some compatible services only name the index in the message ("index: <name> dup key").
 */
export function duplicateKeyIndex(error: DuplicateKeyDetails): { readonly fields?: readonly string[]; readonly indexName?: string } {
  const { keyPattern } = error;
  const fields = typeof keyPattern === 'object' && keyPattern !== null ? Object.keys(keyPattern) : undefined;
  const indexName = /index: (\S+) dup key/.exec(error.message)?.[1];
  return { fields, indexName };
}

/** Runs a query that carries maxTimeMS, translating its expiry into `timeout`. */
export async function timeLimited<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof MongoServerError && error.code === MAX_TIME_MS_EXPIRED) {
      throw new StoreError('timeout', 'MongoDB stopped the query at its time limit (maxTimeMS)', { cause: error });
    }
    throw error;
  }
}

/** Runs a database call, translating an unreachable database into `unavailable`. */
export async function translateErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw unavailableOr(error);
  }
}

/** `unavailable` for the failures listed above; the error itself otherwise. */
export function unavailableOr(error: unknown): unknown {
  if (error instanceof StoreError || !isUnavailable(error)) return error;
  const reason = error instanceof MongoError ? error.name : 'error';
  return new StoreError('unavailable', `MongoDB is unavailable (${reason})`, { cause: error });
}

/**
 * Wraps store calls so that each waits for the database to be prepared (indexes first: nothing is written before
 * the unique indexes exist) and reports an unreachable server as `unavailable`.
 */
export function whenReady(ready: () => Promise<void>): <T>(call: () => Promise<T>) => Promise<T> {
  return async (call) => {
    try {
      await ready();
      return await call();
    } catch (error) {
      throw unavailableOr(error);
    }
  };
}

/**
 * Inserts documents keyed by what they describe, in one unordered bulk write, and answers how many were new: a
 * duplicate key is a document already there (an append repeated after a crash or a redelivery), anything else (or a
 * failure of the whole call) is a failure.
 */
export async function insertNewDocuments<T extends Document>(collection: Collection<T>, documents: readonly OptionalId<T>[]): Promise<number> {
  if (documents.length === 0) return 0;
  try {
    const result = await collection.bulkWrite(
      documents.map((document) => ({ insertOne: { document: { ...document } } })),
      { ordered: false },
    );
    return result.insertedCount;
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    if (writeErrors.length === 0 || error.err !== undefined || writeErrors.some((writeError) => writeError.code !== DUPLICATE_KEY)) throw error;
    return documents.length - writeErrors.length;
  }
}

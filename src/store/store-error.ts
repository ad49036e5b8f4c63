// The storage error family. Stores throw only these (or let unexpected errors escape as they are); one
// function in the service layer maps them to SCIM errors, so no store ever picks an HTTP status.

export const StoreErrorCode = {
  notFound: 'not_found',
  conflict: 'conflict',
  versionMismatch: 'version_mismatch',
  unavailable: 'unavailable',
  /** A read ran past the store's per-query time limit (SCIM_QUERY_TIMEOUT_MS) and was stopped. */
  timeout: 'timeout',
  /** A query would gather more than the store bounds it to (on MongoDB: a members condition matching too many groups). */
  tooMany: 'too_many',
} as const;
export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** For conflicts: the attribute whose uniqueness was violated, as its canonical path (e.g. `userName`). */
  readonly attribute?: string;

  constructor(code: StoreErrorCode, message: string, options: { attribute?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    this.code = code;
    this.attribute = options.attribute;
  }
}

export function isStoreError(value: unknown, code?: StoreErrorCode): value is StoreError {
  return value instanceof StoreError && (code === undefined || value.code === code);
}

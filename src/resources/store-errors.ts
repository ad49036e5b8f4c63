// The one place where storage errors become protocol errors (ARCHITECTURE convention 2).
import { ScimError, scimErrors } from '../scim/errors';
import { isStoreError, StoreErrorCode } from '../store/store-error';

export function storeErrorToScim(error: unknown, subject: string): unknown {
  if (error instanceof ScimError || !isStoreError(error)) return error;
  switch (error.code) {
    case StoreErrorCode.notFound:
      return scimErrors.notFound(`${subject} not found`);
    case StoreErrorCode.conflict:
      return scimErrors.uniqueness(
        error.attribute
          ? `The value of '${error.attribute}' is already in use by another resource (it must be unique, compared case-insensitively where the attribute is not caseExact)`
          : `${subject} conflicts with an existing resource`,
        error,
      );
    case StoreErrorCode.versionMismatch:
      return scimErrors.preconditionFailed(`${subject} was modified since the version given in If-Match`);
    case StoreErrorCode.unavailable:
      return scimErrors.unavailable('The directory store is temporarily unavailable; retry shortly', error);
    case StoreErrorCode.timeout:
      // 503, not 400: the same query may finish in time on a less busy server; the detail says how to make it cheaper.
      return scimErrors.unavailable(
        `${subject}: the query ran past the server's time limit and was stopped; retry later, or ask for less: a filter with fewer ` +
          "terms, 'eq' or 'sw' instead of 'co' or 'ew', or a smaller count",
        error,
      );
    case StoreErrorCode.tooMany:
      // RFC 7644 §3.12 tooMany: more results than the server is willing to process; the store's message says how many.
      return scimErrors.tooMany(`${subject}: ${error.message}`);
  }
}

/** Runs a store call and rethrows its StoreError as the matching ScimError. */
export async function mapStoreErrors<T>(subject: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw storeErrorToScim(error, subject);
  }
}

// The sign-in history port: one entry per credential check of an existing user (POST /Users/.verify-credentials),
// read newest first by keyset (the RFC 9865 cursor of GET /Users/{id}/sign-ins is sealed from a position), and kept
// for a number of days per tenant (a sweep deletes older entries in batches). Entries are written once and never
// changed. What an outcome or reason means is the lifecycle extension's business; the store keeps them as text.

export interface SignInEntry {
  /** Unique per tenant; breaks ties between entries of the same instant. */
  readonly id: string;
  readonly tenantId: string;
  readonly userId: string;
  /** ISO 8601 UTC instant with milliseconds. */
  readonly time: string;
  /** `success` or `failure`. */
  readonly outcome: string;
  /** Why a sign-in failed (`wrongPassword`, `locked`, `disabled`…); absent on success. */
  readonly reason?: string;
  /** The client's address as the server saw it (after SCIM_TRUST_PROXY); absent when unknown. */
  readonly clientAddress?: string;
}

/** A position in a user's history: entries strictly older than it, in (time, id) descending order. */
export interface SignInPosition {
  readonly time: string;
  readonly id: string;
}

export interface SignInPage {
  readonly entries: SignInEntry[];
  /** The position after the last entry, when more entries follow. */
  readonly next?: SignInPosition;
}

export interface SignInStore {
  append(entry: SignInEntry): Promise<void>;
  /** A user's entries, newest first: at most `limit`, after `after` when given. Index-backed, whatever the history's size. */
  list(tenantId: string, userId: string, page: { readonly after?: SignInPosition; readonly limit: number }): Promise<SignInPage>;
  /** How many entries a user has (for `totalResults`). */
  count(tenantId: string, userId: string): Promise<number>;
  /** Deletes at most `limit` of the tenant's entries older than `before`; returns how many it deleted. */
  purgeBefore(tenantId: string, before: string, limit: number): Promise<number>;
  /** Deletes a user's whole history (the user was deleted); returns how many entries it deleted. */
  deleteForUser(tenantId: string, userId: string): Promise<number>;
}

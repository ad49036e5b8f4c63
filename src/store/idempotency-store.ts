// The idempotency port: one record per (tenant, key) of a retry-safe request (README "Idempotency-Key"). A request
// claims its key before it runs; the claim is exclusive, so of two requests with the same key one runs and the other
// finds the claim. When the request has answered, its response is recorded and replayed to every retry until the
// record expires.
//
// The store keeps what it is given and compares only ids and times: the caller derives the id from the client's
// Idempotency-Key and token, fingerprints the request, and hands the response over as opaque text (encrypted, see
// src/idempotency/idempotency-service.ts), so that no store holds a request body or a readable response.

export const IdempotencyState = { pending: 'pending', completed: 'completed' } as const;
export type IdempotencyState = (typeof IdempotencyState)[keyof typeof IdempotencyState];

export interface IdempotencyRecord {
  readonly tenantId: string;
  /** The caller's id of the key (derived from the token and the Idempotency-Key; never the key itself). */
  readonly id: string;
  /** What identifies the request that claimed the key (a retry must present the same). */
  readonly fingerprint: string;
  readonly state: IdempotencyState;
  readonly created: string;
  /** After this instant the record counts as absent: the key may be used again. */
  readonly expires: string;
  /** While pending: until when the claim holds; after it another request may take the key over. */
  readonly lockedUntil?: string;
  /** Once completed: the response, as the caller gave it. */
  readonly response?: string;
}

export interface IdempotencyClaim {
  readonly tenantId: string;
  readonly id: string;
  readonly fingerprint: string;
  /** A fresh random value per claim; complete and release must present it. */
  readonly token: string;
  readonly now: string;
  readonly lockedUntil: string;
  readonly expires: string;
}

export type IdempotencyClaimResult = { readonly claimed: true } | { readonly claimed: false; readonly record: IdempotencyRecord };

export interface IdempotencyStore {
  /**
   * Claims the key for a request: when the tenant has no record with this id, or only one that expired, or a pending
   * one whose lock expired (its request died), the key becomes pending under `token`. Otherwise nothing changes and
   * the existing record is returned. Atomic: of concurrent claims, one wins.
   */
  claim(claim: IdempotencyClaim): Promise<IdempotencyClaimResult>;
  /** Records the response of a pending key, if `token` still holds it (completed from then on); false otherwise. */
  complete(tenantId: string, id: string, token: string, completion: { readonly response: string; readonly now: string }): Promise<boolean>;
  /** Removes a pending key, if `token` still holds it (its request gave no answer to replay); false otherwise. */
  release(tenantId: string, id: string, token: string): Promise<boolean>;
  /** Deletes up to `limit` records (of any tenant) that expired at or before `now`; returns how many. */
  purgeExpired(now: string, limit: number): Promise<number>;
}

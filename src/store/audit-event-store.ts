// The audit event port: what every operation of the server did, who did it and how it ended, kept per tenant for the
// tenant's retention. Events arrive in batches (src/extensions/audit/: the buffer of read events, the outbox's audit
// topic) or with the write they describe (an `auditStoreOnly` outbox message, outbox-store.ts); appending is
// idempotent on the event id (a message delivered twice adds its events once). Reading is newest first, with a small filter language
// over the five fields an auditor asks about, each backed by an index that starts with the tenant; stores never
// scan another tenant's events and never load a tenant's events into memory to filter them.

export const AuditOutcome = { started: 'started', success: 'success', failure: 'failure' } as const;
export type AuditOutcome = (typeof AuditOutcome)[keyof typeof AuditOutcome];

export interface AuditActorRecord {
  /** `token` or `cli` (src/auth/request-context.ts). */
  readonly kind: string;
  readonly tokenId: string | null;
  readonly label: string;
}

export interface AuditEventRecord {
  readonly id: string;
  readonly tenantId: string;
  /** `<RESOURCE>_<ACTION>_<START|SUCCESS|FAIL>`, e.g. USER_CREATE_SUCCESS. */
  readonly type: string;
  /** ISO 8601 UTC with milliseconds. */
  readonly time: string;
  readonly outcome: AuditOutcome;
  readonly actor: AuditActorRecord;
  readonly requestId: string;
  readonly clientAddress: string | null;
  /** What the operation acted on: a resource type, and the resource's id once there is one. */
  readonly resource?: { readonly type: string; readonly id?: string };
  /** FAIL events: the HTTP status and SCIM error type answered. */
  readonly error?: { readonly status: number; readonly scimType?: string };
  /** SUCCESS and FAIL events: from the operation's start to its outcome. */
  readonly durationMs?: number;
  /** Successful writes: the names of the attributes the write changed (never their values). */
  readonly changedAttributes?: readonly string[];
  /** Operations inside a Bulk or bulk-delete request: their position (and bulkId) in it. */
  readonly bulkOperation?: { readonly index: number; readonly bulkId?: string };
}

/** The fields a filter may name; each is a column or field of its own with a tenant-first index. */
export const AUDIT_FILTER_FIELDS = ['type', 'outcome', 'time', 'actor.tokenId', 'resource.id'] as const;
export type AuditFilterField = (typeof AUDIT_FILTER_FIELDS)[number];

export type AuditComparison = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

/**
 * A filter over audit events. Comparisons are on text, by code point and case-sensitively (event types, outcomes and
 * ids are exact values; times are ISO 8601 UTC with milliseconds, so text order is time order). `ne` is `not eq`:
 * an event without the field (no resource id) matches it; every other comparison with a missing field is false.
 */
export type AuditFilter =
  | { readonly kind: 'compare'; readonly field: AuditFilterField; readonly op: AuditComparison; readonly value: string }
  | { readonly kind: 'present'; readonly field: AuditFilterField }
  | { readonly kind: 'and' | 'or'; readonly filters: readonly AuditFilter[] }
  | { readonly kind: 'not'; readonly filter: AuditFilter };

/** A keyset position: the time and id of the last event of a page. */
export interface AuditPosition {
  readonly time: string;
  readonly id: string;
}

export interface AuditQuery {
  readonly filter?: AuditFilter;
  readonly count: number;
  /** The events after this one in newest-first order (time, then id, both descending). */
  readonly after?: AuditPosition;
}

export interface AuditPage {
  readonly events: AuditEventRecord[];
  /** Events matching the filter, in all pages. */
  readonly totalResults: number;
  /** The position after the last event of the page, when more follow. */
  readonly next?: AuditPosition;
}

export interface AuditEventStore {
  /** Stores the events whose id is new; returns how many were new. */
  append(events: readonly AuditEventRecord[]): Promise<number>;
  list(tenantId: string, query: AuditQuery): Promise<AuditPage>;
  get(tenantId: string, id: string): Promise<AuditEventRecord | null>;
  /** Deletes up to `limit` of the tenant's events older than `before`; returns how many. */
  purge(tenantId: string, before: string, limit: number): Promise<number>;
}

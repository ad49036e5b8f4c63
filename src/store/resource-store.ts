// The storage ports. Services depend on these interfaces only; src/app.ts wires a concrete store.
// Every call takes the tenant id of the verified token first: no call can reach across tenants.
import type { FilterAst } from '../scim/filter/filter-ast';
import type { ResolvedPath } from '../scim/paths/resolved-path';
import type { ScimAttributes } from '../scim/schema/attribute';
import type { PendingChange, PendingChangeInput } from './membership-store';
import type { NewOutboxMessage } from './outbox-store';
import type { StoreError } from './store-error';

export interface StoredResource {
  readonly resourceType: string;
  readonly id: string;
  /** Starts at 1 and grows by one with every write; the ETag is derived from it. */
  readonly version: number;
  /** ISO 8601 UTC instants with milliseconds. */
  readonly created: string;
  readonly lastModified: string;
  /** The SCIM attributes (core by name, extensions under their URN), without id, schemas and meta. */
  readonly attributes: ScimAttributes;
  /**
   * Server-side state that is never returned as it is (e.g. the password hash). Written by create and replace,
   * with the version: a change to it is a change of the resource.
   */
  readonly internal: Readonly<Record<string, unknown>>;
  /** Server-side state that changes without a SCIM write (see updateInternal). */
  readonly unversioned: UnversionedState;
  /** Membership changes recorded with a write and not yet applied (membership-store.ts); usually absent. */
  readonly pending?: readonly PendingChange[];
}

/**
 * State the server keeps beside a resource that must change neither its version (ETag) nor lastModified: sign-in
 * counters, the last sign-in. Only updateInternal writes it; create starts it empty and replace leaves it as it is, so
 * a SCIM write never overwrites a counter that moved meanwhile, and counting never makes a SCIM client's If-Match
 * stale.
 */
export interface UnversionedState {
  /** 0 until the first updateInternal, then one more with each: the compare-and-set token of updateInternal. */
  readonly revision: number;
  readonly values: Readonly<Record<string, unknown>>;
}

/** Nothing written yet: the unversioned state of every new resource. */
export const EMPTY_UNVERSIONED: UnversionedState = Object.freeze({ revision: 0, values: Object.freeze({}) });

/**
 * The key of the unversioned values that holds the resource's unversioned attributes (`x-unversioned` in a schema:
 * readOnly attributes such as the last sign-in), shaped like a resource's attributes (core attributes by name,
 * extension attributes under their schema URN). Stores derive the searchable fields of these attributes when they write
 * the unversioned state, so that filters and sorts find them in the database; reads show them beside the stored
 * attributes. Everything else in the values is the server's own bookkeeping, never shown.
 */
export const UNVERSIONED_ATTRIBUTES = 'attributes';

/** The unversioned attributes held in unversioned values (an empty object when there are none). */
export function unversionedAttributesOf(values: Readonly<Record<string, unknown>>): ScimAttributes {
  const attributes = values[UNVERSIONED_ATTRIBUTES];
  return typeof attributes === 'object' && attributes !== null && !Array.isArray(attributes) ? (attributes as ScimAttributes) : {};
}

export interface NewResource {
  readonly resourceType: string;
  readonly id: string;
  readonly created: string;
  readonly attributes: ScimAttributes;
  readonly internal: Readonly<Record<string, unknown>>;
  /** Membership changes recorded atomically with the resource (stamp 1), for settle() to apply. */
  readonly pending?: readonly PendingChangeInput[];
}

export interface ResourceReplacement {
  readonly lastModified: string;
  readonly attributes: ScimAttributes;
  readonly internal: Readonly<Record<string, unknown>>;
  /** Membership changes recorded atomically with the write (stamped with the new version), for settle() to apply. */
  readonly pending?: readonly PendingChangeInput[];
}

/** A write that changes no attribute: it bumps the version and records membership changes (a member-only PATCH, a delete). */
export interface ResourceMark {
  /** Stored as the resource's lastModified unless that is later already (the value never moves back). */
  readonly lastModified: string;
  readonly pending: readonly PendingChangeInput[];
}

export interface StoreSort {
  readonly path: ResolvedPath;
  readonly descending: boolean;
}

/** A keyset position: the sort key and id of the last row of a page (RFC 9865 cursors are sealed from it). */
export interface KeysetPosition {
  readonly sortValue: string | number | boolean | null;
  readonly id: string;
}

export type StorePage =
  /** RFC 7644 §3.4.2.4: 1-based startIndex. */
  | { readonly kind: 'index'; readonly startIndex: number; readonly count: number }
  /**
   * Keyset paging: rows strictly after `after` in (sort, id) order; the first page has no `after`. `total`: the
   * walk's totalResults as its first page counted it (carried by the cursor); the store answers it without counting.
   */
  | { readonly kind: 'keyset'; readonly after?: KeysetPosition; readonly count: number; readonly total?: number };

export interface StoreQuery {
  readonly resourceType: string;
  readonly filter?: FilterAst;
  /** Without a sort the order is by id, so that pages are deterministic. */
  readonly sort?: StoreSort;
  readonly page: StorePage;
}

export interface StoreListResult {
  readonly resources: StoredResource[];
  readonly totalResults: number;
  /** Keyset pages only: the position after the last returned row, when more rows follow. */
  readonly next?: KeysetPosition;
}

/** One page of a scan: resources in id order; `next` (the last id) when more follow. */
export interface ScanPage {
  readonly resources: StoredResource[];
  readonly next?: string;
}

export interface ScanOptions {
  /** Resources whose id sorts strictly after this one (code-point order); from the first without it. */
  readonly after?: string;
  /** At most this many resources. */
  readonly limit: number;
}

export interface ResourceReader {
  get(tenantId: string, resourceType: string, id: string): Promise<StoredResource | null>;
  /**
   * The resources among `ids` that exist, each once, in no particular order: one store round trip per
   * GET_MANY_BATCH ids, however many are asked for (never one read per id).
   */
  getMany(tenantId: string, resourceType: string, ids: readonly string[]): Promise<StoredResource[]>;
  list(tenantId: string, query: StoreQuery): Promise<StoreListResult>;
  /**
   * Every resource of a type, page by page in id order, with no count and no filter: for exports and rebuilds,
   * which walk everything once. A resource created or deleted during a walk may or may not be seen; one that exists
   * throughout is seen exactly once.
   */
  scan(tenantId: string, resourceType: string, options: ScanOptions): Promise<ScanPage>;
}

/** How many ids a store reads in one round trip of getMany (bounded, so that no query grows with the input). */
export const GET_MANY_BATCH = 500;
/**
 * What a write carries besides itself: outbox messages (the audit events of the change, and what follows from them)
 * that must exist exactly when the write does. A write that fails leaves none of its messages behind; a write that
 * succeeded has all of them in the outbox, even if the process dies right after it. The embedded store writes them in
 * the write's own transaction; the MongoDB store, which has no multi-document transaction to lean on, keeps them in
 * the resource document itself until they are in the outbox (mongo-resource-store.ts explains how).
 */
export type WriteEffects = readonly NewOutboxMessage[];

export interface ResourceWriter {
  /** Throws StoreError `conflict` (with `attribute`) when a unique attribute is taken. */
  create(tenantId: string, resource: NewResource, effects?: WriteEffects): Promise<StoredResource>;
  /**
   * Creates a batch in one transaction (or one multi-document write): one result per item, in order. An item that
   * fails (e.g. `conflict` on a unique attribute, also against an earlier item of the same batch) is answered with
   * its StoreError and leaves nothing behind (its effects neither), while the other items are written. Errors that are
   * not about one item (e.g. `unavailable`) reject the whole call. `effects[i]` goes with `resources[i]`.
   */
  createMany(tenantId: string, resources: readonly NewResource[], effects?: readonly (WriteEffects | undefined)[]): Promise<Array<StoredResource | StoreError>>;
  /**
   * Replaces attributes and internal state and bumps the version, atomically. When `expectedVersion` is given
   * the write happens only if the stored version still equals it (compare-and-set), else `version_mismatch`.
   */
  replace(tenantId: string, resourceType: string, id: string, replacement: ResourceReplacement, expectedVersion?: number, effects?: WriteEffects): Promise<StoredResource>;
  /** Throws `not_found`, or `version_mismatch` when `expectedVersion` is stale. */
  delete(tenantId: string, resourceType: string, id: string, expectedVersion?: number, effects?: WriteEffects): Promise<void>;
  /**
   * Sets the resource's unversioned values to `values` and adds one to their revision, atomically; attributes,
   * internal state, version and lastModified stay as they are. With `expectedRevision`, a compare-and-set: the write
   * happens only if the stored revision still equals it, else `version_mismatch`, so that of concurrent
   * read-modify-writes exactly one wins at each revision and none is lost (retry the others from a fresh read). With
   * `expectedVersion` too, the write also needs the resource's version to be that one: a decision taken on the
   * versioned attributes read (e.g. "the account is not locked, the sign-in succeeds") is written only if they did not
   * change meanwhile. Throws `not_found`. Returns the resource as stored after the write. The unversioned attributes in
   * `values` (UNVERSIONED_ATTRIBUTES) become searchable with the same write.
   */
  updateInternal(
    tenantId: string,
    resourceType: string,
    id: string,
    values: Readonly<Record<string, unknown>>,
    expectedRevision?: number,
    expectedVersion?: number,
  ): Promise<StoredResource>;
  /**
   * Bumps the version and records pending changes in one atomic write, without touching the attributes. Without
   * `expectedVersion` it never fails for a concurrent write (there is nothing of the document to lose), so that
   * member-only changes of one group do not contend; with it, a compare-and-set (`version_mismatch`). `not_found`
   * when the resource does not exist, or carries a recorded delete and the mark records anything else (refusesMark). `effects` go with the mark as with any other write (a delete's audit events
   * ride on its tombstone, the delete's commit point).
   */
  mark(tenantId: string, resourceType: string, id: string, mark: ResourceMark, expectedVersion?: number, effects?: WriteEffects): Promise<StoredResource>;
  /**
   * Puts into the outbox the effects of writes whose process died between the write and the outbox (only the MongoDB
   * store has such a window), for writes made before `before`, at most `limit` of them; returns how many writes it
   * completed. Idempotent, and safe to run on several instances at once.
   */
  recoverEffects(before: string, limit: number): Promise<number>;
}

export type ResourceStore = ResourceReader & ResourceWriter;

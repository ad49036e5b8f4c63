// The storage ports. Services depend on these interfaces only; src/app.ts wires a concrete store.
// Every call takes the tenant id of the verified token first: no call can reach across tenants.
import type { FilterAst } from '../scim/filter/filter-ast';
import type { ResolvedPath } from '../scim/paths/resolved-path';
import type { ScimAttributes } from '../scim/schema/attribute';
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
  /** Server-side state that is never returned as it is (e.g. the password hash). */
  readonly internal: Readonly<Record<string, unknown>>;
}

export interface NewResource {
  readonly resourceType: string;
  readonly id: string;
  readonly created: string;
  readonly attributes: ScimAttributes;
  readonly internal: Readonly<Record<string, unknown>>;
}

export interface ResourceReplacement {
  readonly lastModified: string;
  readonly attributes: ScimAttributes;
  readonly internal: Readonly<Record<string, unknown>>;
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
  /** Keyset paging: rows strictly after `after` in (sort, id) order; the first page has no `after`. */
  | { readonly kind: 'keyset'; readonly after?: KeysetPosition; readonly count: number };

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

export interface ResourceReader {
  get(tenantId: string, resourceType: string, id: string): Promise<StoredResource | null>;
  list(tenantId: string, query: StoreQuery): Promise<StoreListResult>;
}

export interface ResourceWriter {
  /** Throws StoreError `conflict` (with `attribute`) when a unique attribute is taken. */
  create(tenantId: string, resource: NewResource): Promise<StoredResource>;
  /**
   * Creates a batch in one transaction (or one multi-document write): one result per item, in order. An item that
   * fails (e.g. `conflict` on a unique attribute, also against an earlier item of the same batch) is answered with
   * its StoreError and leaves nothing behind, while the other items are written. Errors that are not about one item
   * (e.g. `unavailable`) reject the whole call.
   */
  createMany(tenantId: string, resources: readonly NewResource[]): Promise<Array<StoredResource | StoreError>>;
  /**
   * Replaces attributes and internal state and bumps the version, atomically. When `expectedVersion` is given
   * the write happens only if the stored version still equals it (compare-and-set), else `version_mismatch`.
   */
  replace(tenantId: string, resourceType: string, id: string, replacement: ResourceReplacement, expectedVersion?: number): Promise<StoredResource>;
  /** Throws `not_found`, or `version_mismatch` when `expectedVersion` is stale. */
  delete(tenantId: string, resourceType: string, id: string, expectedVersion?: number): Promise<void>;
}

export type ResourceStore = ResourceReader & ResourceWriter;

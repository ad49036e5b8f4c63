// StoreQuery -> the SQL of one list page and of its total count, both over the same WHERE, both parameterised.
//
// Sorting (RFC 7644 §3.4.2.3):
//   - the key of a singular attribute or sub-attribute is its value; of a multi-valued attribute, its primary value,
//     else its first (the search document puts the primary element first, so both are `[0]`); sorting on a
//     multi-valued complex attribute itself sorts by its `value` sub-attribute;
//   - caseExact=false strings sort folded (the search document holds them folded), by code point;
//   - a missing value (absent, null or "") sorts LAST ascending and FIRST descending, as §3.4.2.3 asks ("ordered last
//     if ascending and first if descending"). Descending is thus the exact reverse of ascending, ties included, which
//     keeps keyset positions valid in both directions;
//   - ties are broken by id, in the same direction as the sort, so the order is total and pages are deterministic.
// Without a sort the order is by id (the primary key), ascending.
//
// Keyset pages select rows strictly after the position (sort key, id) in that order. A sort key may mix SQL storage
// classes (a number stored where a string belongs); SQLite orders NULL < numbers < text < blob both in ORDER BY and
// in the comparisons used here, so the two agree.
import type { ResolvedPath } from '../../scim/paths/resolved-path';
import { findAttribute } from '../../scim/schema/registry';
import type { KeysetPosition, StoreQuery } from '../resource-store';
import { filterToSql, type SqlFragment, type SqlValue } from './filter-to-sql';
import type { ResourceModel } from '../model/resource-model';
import { jsonLabel, searchColumn, slotJsonPath } from './json-path';
import type { PagePosition } from './page-anchors';

export const RESOURCE_COLUMNS =
  'r.id, r.resource_type, r.version, r.created, r.last_modified, r.data, r.internal, r.unversioned, r.unversioned_revision, r.pending';

export interface ListSql {
  readonly page: SqlFragment;
  readonly count: SqlFragment;
  /** Rows the page holds at most; a keyset page query fetches one more, to know whether another page follows. */
  readonly limit: number;
  readonly sorted: boolean;
  /** The page starts from this remembered position (page-anchors.ts); right only while the count's `changes` is its stamp. */
  readonly from?: PagePosition;
  /**
   * The first page of a point lookup (isPointLookup), with room for a row: it holds every match, so its rows are the
   * total, and the count statement can be left out.
   */
  readonly totalFromPage: boolean;
}

/** The rows a list's count query answers: `changes` (migration 19) only for a list without a filter. */
export interface ListCount {
  readonly total: number;
  readonly changes?: number;
}

/** The 0-based offset of an index page: RFC 7644 §3.4.2.4, startIndex is 1-based and a value below 1 is read as 1. */
export function offsetOf(page: { readonly startIndex: number }): number {
  return Math.max(1, wholeNumber(page.startIndex)) - 1;
}

/**
 * The SQL of a list page and its count. `from`: a remembered row position at or before the page's offset, used by an
 * unfiltered page in id order to seek to that row instead of stepping over every row before it.
 */
export function listQueryToSql(model: ResourceModel, tenantId: string, query: StoreQuery, from?: PagePosition): ListSql {
  const where: SqlFragment[] = [{ sql: 'r.tenant_id = ? AND r.resource_type = ?', params: [tenantId, query.resourceType] }];
  if (query.filter) where.push(filterToSql(query.filter, { model, row: 'r', tenantId }));
  const filtered = conjunction(where);
  const count = countSql(tenantId, query, filtered);
  const { page } = query;
  const firstPage = page.kind === 'index' ? offsetOf(page) === 0 : page.after === undefined && page.total === undefined;
  const totalFromPage = isPointLookup(model, query.filter) && firstPage && wholeNumber(page.count) >= 1;

  const key = query.sort ? sortKey(model, query.sort.path) : undefined;
  const descending = query.sort?.descending ?? false;
  const select = key ? `${RESOURCE_COLUMNS}, ${key.sql} AS sort_key` : RESOURCE_COLUMNS;
  const selectParams = key ? key.params : [];
  const order = key ? orderBy(key, descending) : 'ORDER BY r.id';

  if (page.kind === 'index') {
    const offset = offsetOf(page);
    const limit = wholeNumber(page.count);
    if (!key && !query.filter && from && from.offset <= offset) {
      // The row at from.offset has id from.id: the page is `offset - from.offset` rows on from it, in id order.
      const seek = conjunction([filtered, { sql: 'r.id >= ?', params: [from.id] }]);
      return {
        page: {
          sql: `SELECT ${select} FROM resources r WHERE r.rowid IN (SELECT r.rowid FROM resources r WHERE ${seek.sql} ${order} LIMIT ? OFFSET ?) ${order}`,
          params: [...seek.params, limit, offset - from.offset],
        },
        count,
        limit,
        sorted: false,
        from,
        totalFromPage,
      };
    }
    return {
      page: key
        ? {
            sql: `SELECT ${select} FROM resources r WHERE ${filtered.sql} ${order} LIMIT ? OFFSET ?`,
            params: [...selectParams, ...filtered.params, limit, offset],
          }
        : {
            // In id order the offset is skipped in a subquery that reads only ids (for an unfiltered page, the
            // primary-key index alone), so that a deep startIndex does not load every skipped row.
            sql: `SELECT ${select} FROM resources r WHERE r.rowid IN (SELECT r.rowid FROM resources r WHERE ${filtered.sql} ${order} LIMIT ? OFFSET ?) ${order}`,
            params: [...filtered.params, limit, offset],
          },
      count,
      limit,
      sorted: key !== undefined,
      totalFromPage,
    };
  }

  const conditions = [filtered];
  if (page.after) conditions.push(afterPosition(key, descending, page.after));
  const pageWhere = conjunction(conditions);
  const limit = wholeNumber(page.count);
  return {
    page: {
      sql: `SELECT ${select} FROM resources r WHERE ${pageWhere.sql} ${order} LIMIT ?`,
      params: [...selectParams, ...pageWhere.params, limit + 1],
    },
    count,
    limit,
    sorted: key !== undefined,
    totalFromPage,
  };
}

/**
 * `userName eq "…"` (or `id eq`, or `eq` on another attribute with uniqueness "server"/"global"): the lookup an IdP makes
 * before every create. At most one row matches, read through a unique key (the unique indexed values, or the primary
 * key). It stays on the read threads with every other list: moved to the main thread it cost the main thread more than
 * the round trip did (the lookup's page reads of a large directory), and halved the requests/s (README "Performance").
 */
export function isPointLookup(model: ResourceModel, filter: StoreQuery['filter']): boolean {
  if (filter?.kind !== 'compare' || filter.op !== 'eq' || typeof filter.value !== 'string') return false;
  if (model.indexedPathOf(filter.path)?.unique) return true;
  const target = model.targetOf(filter.path);
  return target.kind === 'column' && target.column === 'id';
}

/** The statement that answers a list's totalResults (and, without a filter, the change counter of migration 19). */
function countSql(tenantId: string, query: StoreQuery, filtered: SqlFragment): SqlFragment {
  // A later page of a cursor walk reports the total its first page counted (the cursor carries it): no count at all.
  if (query.page.kind === 'keyset' && query.page.total !== undefined) return { sql: 'SELECT ? AS total', params: [query.page.total] };
  if (query.filter) return { sql: `SELECT count(*) AS total FROM resources r WHERE ${filtered.sql}`, params: filtered.params };
  // Without a filter the total is the trigger-kept counter (migration 3) rather than a count of every row.
  return {
    sql:
      'SELECT coalesce((SELECT total FROM resource_counts WHERE tenant_id = ? AND resource_type = ?), 0) AS total, ' +
      'coalesce((SELECT changes FROM resource_counts WHERE tenant_id = ? AND resource_type = ?), 0) AS changes',
    params: [tenantId, query.resourceType, tenantId, query.resourceType],
  };
}

/** The ORDER BY of a sort key, term for term the columns of its index where it has one (migration 17). */
function orderBy(key: SortKeySql, descending: boolean): string {
  if (!key.nullable) return descending ? 'ORDER BY sort_key DESC, r.id DESC' : 'ORDER BY sort_key, r.id';
  return descending ? 'ORDER BY sort_key IS NULL DESC, sort_key DESC, r.id DESC' : 'ORDER BY sort_key IS NULL, sort_key, r.id';
}

/** A non-negative integer for LIMIT/OFFSET (SQLite rejects NaN and fractions there). */
function wholeNumber(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.max(0, Math.min(Number.MAX_SAFE_INTEGER, Math.trunc(value)));
}

/** The SQL value a sort key is compared with: booleans as SQLite stores them (json_extract gives 1 and 0). */
function bindable(value: KeysetPosition['sortValue']): SqlValue | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

function afterPosition(key: SortKeySql | undefined, descending: boolean, after: KeysetPosition): SqlFragment {
  if (!key) return { sql: 'r.id > ?', params: [after.id] };
  const value = bindable(after.sortValue);
  const k = key.sql;
  // A key that is never NULL (a column): one row-value comparison, which seeks in the key's index.
  if (!key.nullable && value !== null) return { sql: `(${k}, r.id) ${descending ? '<' : '>'} (?, ?)`, params: [...key.params, value, after.id] };
  if (value === null) {
    // Missing keys come last ascending (after every present key) and first descending.
    return descending
      ? { sql: `(${k} IS NOT NULL OR r.id < ?)`, params: [...key.params, after.id] }
      : { sql: `(${k} IS NULL AND r.id > ?)`, params: [...key.params, after.id] };
  }
  return descending
    ? { sql: `(${k} < ? OR (${k} = ? AND r.id < ?))`, params: [...key.params, value, ...key.params, value, after.id] }
    : { sql: `(${k} IS NULL OR ${k} > ? OR (${k} = ? AND r.id > ?))`, params: [...key.params, ...key.params, value, ...key.params, value, after.id] };
}

/**
 * The JSON paths of the sort keys that have an index of their own (migration 17, which holds these very expressions).
 * Their key is written with the path in the SQL text: the planner matches an indexed expression as written, and a
 * bound path would not match it. The paths are these constants, never text from a request.
 */
const INDEXED_SORT_PATHS: ReadonlySet<string> = new Set(['$."userName"[0]', '$."name"[0]."familyName"[0]']);

/** A sort key's SQL; `nullable` false for a column that always holds a value (no missing-values-last term needed). */
export interface SortKeySql extends SqlFragment {
  readonly nullable: boolean;
}

const NO_KEY: SortKeySql = { sql: 'NULL', params: [], nullable: true };
const columnKey = (sql: string): SortKeySql => ({ sql, params: [], nullable: false });

/** The sort key of a path, as an SQL expression that is NULL when the value is missing. */
export function sortKey(model: ResourceModel, path: ResolvedPath): SortKeySql {
  const target = model.targetOf(path);
  switch (target.kind) {
    case 'absent':
      return NO_KEY;
    case 'column':
      switch (target.column) {
        case 'id':
          return columnKey('r.id');
        case 'meta.created':
          return columnKey('r.created');
        case 'meta.lastModified':
          return columnKey('r.last_modified');
        case 'meta.resourceType':
          return columnKey('r.resource_type');
        case 'meta.version':
          // Versions order numerically (W/"10" after W/"9").
          return columnKey('r.version');
        default:
          return NO_KEY;
      }
    case 'slot': {
      const { slot } = target;
      let sub = target.subAttribute;
      // RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its (primary) value.
      if (!sub && slot.definition.type === 'complex') sub = findAttribute(slot.definition.subAttributes, 'value');
      if ((sub ?? slot.definition).type === 'complex') return NO_KEY;
      const jsonPath = sub ? `${slotJsonPath(slot)}[0].${jsonLabel(sub.name)}[0]` : `${slotJsonPath(slot)}[0]`;
      const column = searchColumn('r', slot);
      // "" is an unassigned value (RFC 7643 §2.5) and sorts with the missing ones.
      if (column === 'r.search' && INDEXED_SORT_PATHS.has(jsonPath)) return { sql: `NULLIF(json_extract(r.search, '${jsonPath}'), '')`, params: [], nullable: true };
      return { sql: `NULLIF(json_extract(${column}, ?), '')`, params: [jsonPath], nullable: true };
    }
  }
}

function conjunction(parts: readonly SqlFragment[]): SqlFragment {
  return { sql: parts.map((part) => (parts.length > 1 ? `(${part.sql})` : part.sql)).join(' AND '), params: parts.flatMap((part) => part.params) };
}


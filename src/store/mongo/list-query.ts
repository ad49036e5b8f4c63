// StoreQuery -> what the MongoDB store runs for one list page: the match (tenant, type, filter), the total count over
// the same match (not on later pages of a cursor walk: the cursor carries the first page's), and the page itself: a
// find for a page in id order, by a field every document has (meta dates, version), or by a kept sort key
// (sort-keys.ts: userName, name.familyName), each an index range; or an aggregation for a sort on any other attribute,
// which computes the key of every matching document and keeps the best `count` (a scan with a limit).
//
// Order (RFC 7644 §3.4.2.3), the same as the embedded store's (../sqlite/list-query.ts):
//   - the key of a singular attribute or sub-attribute is its value; of a multi-valued attribute, its primary value,
//     else its first (the search document puts the primary element first, so both are element 0); sorting on a
//     multi-valued complex attribute itself sorts by its `value` sub-attribute;
//   - caseExact=false strings sort folded (the search document holds them folded), by code point (MongoDB's simple
//     binary comparison);
//   - a missing value (absent, null or "") sorts LAST ascending and FIRST descending; descending is the exact
//     reverse of ascending, ties included, so keyset positions hold in both directions;
//   - ties are broken by id in the sort direction, so the order is total and pages are deterministic.
// Without a sort the order is by id. Keyset pages select documents strictly after the position (key, id).
import type { Document } from 'mongodb';
import type { ResolvedPath } from '../../scim/paths/resolved-path';
import { findAttribute } from '../../scim/schema/registry';
import type { KeysetPosition, StoreQuery } from '../resource-store';
import type { ColumnPath, ResourceModel } from '../model/resource-model';
import { filterToMongo, MATCH_ALL, MATCH_NONE, type MemberGroupsResolver, type MongoQuery } from './filter-to-mongo';
import { slotField } from './resource-document';
import { keyedSortOf, sortKeyOf, sortValueOfKey } from './sort-keys';

/** Computed fields of a sorted aggregation: the sort key, and 1 where it is missing. */
export const SORT_KEY = '_sortKey';
export const SORT_MISSING = '_sortMissing';

export type SortPlan =
  /** By id only (no sort, or a sort on something no document has). */
  | { readonly kind: 'id'; readonly direction: 1 | -1 }
  /** By a top-level field that every document has (id, meta dates, type, version): an index can serve it. */
  | { readonly kind: 'field'; readonly field: string; readonly direction: 1 | -1 }
  /** By a kept sort key (sort-keys.ts, `o.<name>`): one indexed string that orders rows completely, id included. */
  | { readonly kind: 'keyed'; readonly field: string; readonly direction: 1 | -1 }
  /** By an aggregation expression that is null when the value is missing. */
  | { readonly kind: 'expression'; readonly expression: Document; readonly direction: 1 | -1 };

export interface ListPlan {
  /** Tenant, resource type and filter. */
  readonly match: MongoQuery;
  readonly sort: SortPlan;
  /** Documents to skip (index paging) and to return at most. */
  readonly skip: number;
  readonly limit: number;
  /** Keyset pages: documents strictly after this position (applied after the sort key is computed). */
  readonly after?: MongoQuery;
  readonly keyset: boolean;
  /** The total a previous page of the cursor walk counted (RFC 9865 pages of one walk report one total): no count. */
  readonly knownTotal?: number;
  /**
   * An unfiltered index page in id or kept-key order: the field whose index alone (a covered query, no document
   * fetched) steps over the skipped rows to the page's first key, from which the page is read.
   */
  readonly seek?: string;
}

export interface ListPlanContext {
  readonly model: ResourceModel;
  readonly tenantId: string;
  readonly memberGroups?: MemberGroupsResolver;
}

export async function planList(query: StoreQuery, context: ListPlanContext): Promise<ListPlan> {
  const scope = { tenantId: context.tenantId, resourceType: query.resourceType };
  const filter = query.filter ? await filterToMongo(query.filter, { model: context.model, memberGroups: context.memberGroups }) : MATCH_ALL;
  const match = filter === MATCH_ALL ? scope : filter === MATCH_NONE ? { ...scope, ...MATCH_NONE } : { ...scope, $and: [filter] };
  const direction: 1 | -1 = query.sort?.descending ? -1 : 1;
  const sort = query.sort ? sortPlan(context.model, query.sort.path, direction) : ({ kind: 'id', direction: 1 } as const);

  const { page } = query;
  if (page.kind === 'index') {
    // RFC 7644 §3.4.2.4: startIndex is 1-based, and a value below 1 is read as 1.
    const skip = Math.max(1, wholeNumber(page.startIndex)) - 1;
    const seek = skip > 0 && filter === MATCH_ALL ? seekField(sort) : undefined;
    return { match, sort, skip, limit: wholeNumber(page.count), keyset: false, ...(seek ? { seek } : {}) };
  }
  return {
    match,
    sort,
    skip: 0,
    limit: wholeNumber(page.count),
    keyset: true,
    ...(page.after ? { after: afterPosition(sort, page.after) } : {}),
    ...(page.total === undefined ? {} : { knownTotal: page.total }),
  };
}

/** The one field that orders a plan's rows completely, and has an index after tenantId and resourceType. */
function seekField(sort: SortPlan): string | undefined {
  if (sort.kind === 'id') return 'id';
  return sort.kind === 'keyed' ? sort.field : undefined;
}

/** The value of a (possibly dotted) field of a returned document. */
export function valueAt(document: Document, field: string): unknown {
  let value: unknown = document;
  for (const name of field.split('.')) value = typeof value === 'object' && value !== null ? (value as Document)[name] : undefined;
  return value;
}

/** The sort of a plan as a MongoDB sort document; ties by id in the same direction. */
export function sortDocument(sort: SortPlan): Document {
  switch (sort.kind) {
    case 'id':
      return { id: sort.direction };
    case 'field':
      return { [sort.field]: sort.direction, id: sort.direction };
    case 'keyed':
      return { [sort.field]: sort.direction };
    case 'expression':
      // Missing keys (1) after present ones (0) ascending; all of it reversed descending.
      return { [SORT_MISSING]: sort.direction, [SORT_KEY]: sort.direction, id: sort.direction };
  }
}

/** The aggregation stage that computes the sort key (and whether it is missing) of an expression sort. */
export function sortKeyStage(sort: Extract<SortPlan, { kind: 'expression' }>): Document {
  return {
    $set: {
      [SORT_KEY]: {
        $let: {
          vars: { key: sort.expression },
          // "" is unassigned (RFC 7643 §2.5) and sorts with the missing ones.
          in: { $cond: [{ $in: [{ $ifNull: ['$$key', null] }, [null, '']] }, null, '$$key'] },
        },
      },
    },
  };
}

export const SORT_MISSING_STAGE: Document = { $set: { [SORT_MISSING]: { $cond: [{ $eq: [`$${SORT_KEY}`, null] }, 1, 0] } } };

/** The keyset position of a returned document: its sort key and id. */
export function positionOf(sort: SortPlan, document: Document): KeysetPosition {
  if (sort.kind === 'keyed') {
    // The cursor seals the value, not the key: a key is remade from the value and id (sortKeyOf).
    const key = valueAt(document, sort.field);
    return { sortValue: typeof key === 'string' ? sortValueOfKey(key) : null, id: String(document.id) };
  }
  const key = sort.kind === 'field' ? document[sort.field] : sort.kind === 'expression' ? document[SORT_KEY] : null;
  return { sortValue: isKeyValue(key) ? key : null, id: String(document.id) };
}

function isKeyValue(value: unknown): value is KeysetPosition['sortValue'] {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

const COLUMN_FIELDS: Partial<Record<ColumnPath, string>> = {
  'meta.created': 'created',
  'meta.lastModified': 'lastModified',
  'meta.resourceType': 'resourceType',
  // Versions order numerically (W/"10" after W/"9").
  'meta.version': 'version',
};

export function sortPlan(model: ResourceModel, path: ResolvedPath, direction: 1 | -1): SortPlan {
  const target = model.targetOf(path);
  switch (target.kind) {
    case 'absent':
      return { kind: 'id', direction };
    case 'column': {
      if (target.column === 'id') return { kind: 'id', direction };
      const field = COLUMN_FIELDS[target.column];
      return field ? { kind: 'field', field, direction } : { kind: 'id', direction };
    }
    case 'slot': {
      const { slot } = target;
      let sub = target.subAttribute;
      // RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its (primary) value.
      if (!sub && slot.definition.type === 'complex') sub = findAttribute(slot.definition.subAttributes, 'value');
      if ((sub ?? slot.definition).type === 'complex') return { kind: 'id', direction };
      const keyed = keyedSortOf(model, slot, sub?.name);
      if (keyed) return { kind: 'keyed', field: keyed.field, direction };
      const first = { $arrayElemAt: [{ $ifNull: [`$${slotField(slot)}`, []] }, 0] };
      const expression = sub ? { $let: { vars: { element: first }, in: { $arrayElemAt: [{ $ifNull: [`$$element.${sub.name}`, []] }, 0] } } } : first;
      return { kind: 'expression', expression, direction };
    }
  }
}

function afterPosition(sort: SortPlan, after: KeysetPosition): MongoQuery {
  const { id } = after;
  const beyond = sort.direction === 1 ? '$gt' : '$lt';
  switch (sort.kind) {
    case 'id':
      return { id: { [beyond]: id } };
    case 'field': {
      // The range on the field first: it bounds the scan of the (field, id) index; the $or then settles the ties by id.
      const from = { [sort.field]: { [sort.direction === 1 ? '$gte' : '$lte']: after.sortValue } };
      return { $and: [from, { $or: [{ [sort.field]: { [beyond]: after.sortValue } }, { [sort.field]: { $eq: after.sortValue }, id: { [beyond]: id } }] }] };
    }
    case 'keyed':
      // One range on the key's index: the key holds the id, so "after (value, id)" is "after the key".
      return { [sort.field]: { [beyond]: sortKeyOf(after.sortValue, id) } };
    case 'expression': {
      const value = after.sortValue;
      if (sort.direction === 1) {
        // Ascending: present keys, then the missing ones.
        if (value === null) return { [SORT_MISSING]: 1, id: { $gt: id } };
        return {
          $or: [{ [SORT_MISSING]: 1 }, { [SORT_MISSING]: 0, [SORT_KEY]: { $gt: value } }, { [SORT_MISSING]: 0, [SORT_KEY]: { $eq: value }, id: { $gt: id } }],
        };
      }
      // Descending: missing keys first, then the present ones from the highest.
      if (value === null) return { $or: [{ [SORT_MISSING]: 0 }, { [SORT_MISSING]: 1, id: { $lt: id } }] };
      return { [SORT_MISSING]: 0, $or: [{ [SORT_KEY]: { $lt: value } }, { [SORT_KEY]: { $eq: value }, id: { $lt: id } }] };
    }
  }
}

/** A non-negative integer for skip/limit. */
function wholeNumber(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.max(0, Math.min(Number.MAX_SAFE_INTEGER, Math.trunc(value)));
}

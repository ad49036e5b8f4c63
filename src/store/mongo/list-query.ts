// StoreQuery -> what the MongoDB store runs for one list page: the match (tenant, type, filter), the total count over
// the same match, and the page itself, either a find (no sort, or a sort on a field every document has) or an
// aggregation (a sort on an attribute, which may be missing).
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

/** Computed fields of a sorted aggregation: the sort key, and 1 where it is missing. */
export const SORT_KEY = '_sortKey';
export const SORT_MISSING = '_sortMissing';

export type SortPlan =
  /** By id only (no sort, or a sort on something no document has). */
  | { readonly kind: 'id'; readonly direction: 1 | -1 }
  /** By a top-level field that every document has (id, meta dates, type, version): an index can serve it. */
  | { readonly kind: 'field'; readonly field: string; readonly direction: 1 | -1 }
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
    return { match, sort, skip: Math.max(1, wholeNumber(page.startIndex)) - 1, limit: wholeNumber(page.count), keyset: false };
  }
  return { match, sort, skip: 0, limit: wholeNumber(page.count), keyset: true, ...(page.after ? { after: afterPosition(sort, page.after) } : {}) };
}

/** The sort of a plan as a MongoDB sort document; ties by id in the same direction. */
export function sortDocument(sort: SortPlan): Document {
  switch (sort.kind) {
    case 'id':
      return { id: sort.direction };
    case 'field':
      return { [sort.field]: sort.direction, id: sort.direction };
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
    case 'field':
      return { $or: [{ [sort.field]: { [beyond]: after.sortValue } }, { [sort.field]: { $eq: after.sortValue }, id: { [beyond]: id } }] };
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

// FilterAst (RFC 7644 §3.4.2.2) -> a MongoDB query on the `resources` collection (resource-document.ts).
//
// The answers are those of the in-memory evaluator (src/scim/filter/evaluate-filter.ts), the oracle that
// test/unit/store/mongo/filter-to-mongo.test.ts checks this compiler against with mingo:
//   1. `not (X)` is `$nor: [X]`, the complement of X, also for documents without the attribute.
//   2. `attr ne v` is `not (attr eq v)`: true where the attribute is missing, and for a multi-valued attribute only
//      when NO value equals v.
//   3. Every other comparison with a missing attribute is false: MongoDB compares only values that exist.
//   4. Any value of a multi-valued attribute may match (MongoDB's array traversal); `emails[type eq "work" and
//      value co "@x"]` is an `$elemMatch`, so ONE element must satisfy the whole inner filter.
//   5. `attr pr` is an equality on the presence list `p` (or `?` inside an element), computed at write time.
//   6. caseExact=false strings compare folded: the stored side is folded in the search document, the literal here.
//      gt/ge/lt/le compare strings by code point, as MongoDB's simple (binary UTF-8) comparison does.
//   7. integer/decimal compare numerically; dateTime as instants (both sides are normalised ISO 8601 UTC with
//      milliseconds, whose text order is time order); boolean supports eq/ne/pr only.
//   8. A stored value of the wrong JSON type matches no comparison: MongoDB compares only values of the literal's
//      type (type bracketing), and values the search document wraps under "!" are never compared.
//
// Index use: `eq` and `sw` on a unique path read its unique index (`u`); on the other indexed paths (externalId,
// emails.value, displayName, members.value, roles.value) the lookup index of the search-document field, where an
// anchored `sw` is a range too. `co` and `ew` with a literal of three characters or more on those paths first select
// the documents holding every three-character piece of the literal through a trigram index (trigrams.ts), then the
// exact expression; shorter literals and other attributes scan the tenant's documents of the type.
//
// Safety: user values are only ever operands ($eq/$gt/... values and escaped $regex patterns), never field names or
// operators. co/sw/ew are regular expressions built from the escaped literal: `co` unanchored, `sw` anchored with `^`,
// `ew` with `(?![\s\S])` (end of input in both PCRE and JavaScript; PCRE's `$` would also match before a final
// newline).
import type { ComparisonOperator, FilterAst, FilterValue } from '../../scim/filter/filter-ast';
import { normaliseDateTime } from '../../scim/filter/date-time';
import { leafOf, type ResolvedPath } from '../../scim/paths/resolved-path';
import type { AttributeDefinition } from '../../scim/schema/attribute';
import { foldCase } from '../../scim/schema/fold-case';
import { URN } from '../../scim/urns';
import { pathKey, type AttributeSlot, type ColumnPath, type ResourceModel } from '../model/resource-model';
import { ELEMENT_PRESENT, PRESENT_SUBS, presenceField, presenceKey, slotField, uniqueField } from './resource-document';
import { hasTrigrams, trigramField, trigramsOf } from './trigrams';

export type MongoQuery = Record<string, unknown>;

/** A condition on membership documents (membership-document.ts), answered with the ids of the groups that have one. */
export type MemberGroupsResolver = (memberQuery: MongoQuery) => Promise<readonly string[]>;

export interface FilterMongoContext {
  readonly model: ResourceModel;
  /** Resolves `members` conditions of Group filters; without it they select nothing. */
  readonly memberGroups?: MemberGroupsResolver;
}

/** Matches every document. */
export const MATCH_ALL: MongoQuery = Object.freeze({});
/** Matches no document: every resource document has an `id`. */
export const MATCH_NONE: MongoQuery = Object.freeze({ id: { $exists: false } });

/** Compiles a filter; the result is to be combined with the tenant and resource type (see list-query.ts). */
export async function filterToMongo(filter: FilterAst, context: FilterMongoContext): Promise<MongoQuery> {
  return new Compiler(context).compile(filter, undefined);
}

/** The characters that are operators in a regular expression, in PCRE (MongoDB) and JavaScript (mingo) alike. */
const REGEX_SPECIAL = new Set(['\\', '^', '$', '.', '|', '?', '*', '+', '(', ')', '[', ']', '{', '}']);

/** The literal as a regular expression that matches exactly that text, whatever characters it holds. */
export function escapeRegex(text: string): string {
  let pattern = '';
  for (const char of text) {
    // MongoDB refuses a pattern with an embedded NUL byte; \x00 matches it in both dialects.
    if (char === '\u0000') pattern += '\\x00';
    else pattern += REGEX_SPECIAL.has(char) ? `\\${char}` : char;
  }
  return pattern;
}

/** `co`, `sw` and `ew` as regular expressions on the (already normalised) literal. */
export function textPattern(op: 'co' | 'sw' | 'ew', literal: string): string {
  const escaped = escapeRegex(literal);
  switch (op) {
    case 'co':
      return escaped;
    case 'sw':
      return `^${escaped}`;
    case 'ew':
      return `${escaped}(?![\\s\\S])`;
  }
}

/** Where values are read: the document, one element of a complex attribute, or one membership document. */
type Scope = { readonly kind: 'element' } | { readonly kind: 'membership' } | undefined;

const MEMBERS_KEY = pathKey({ schemaUrn: URN.core.group, attribute: { name: 'members' } as AttributeDefinition });

/** Member sub-attributes as fields of a membership document; `value` is a resource id, compared exactly. */
const MEMBER_FIELDS: Readonly<Record<string, { readonly field: string; readonly exact: boolean }>> = {
  value: { field: 'memberId', exact: true },
  type: { field: 'typeKey', exact: false },
  display: { field: 'displayKey', exact: false },
};

class Compiler {
  constructor(private readonly context: FilterMongoContext) {}

  async compile(filter: FilterAst, scope: Scope): Promise<MongoQuery> {
    switch (filter.kind) {
      case 'and':
        return and(await Promise.all(filter.filters.map((child) => this.compile(child, scope))));
      case 'or':
        return or(await Promise.all(filter.filters.map((child) => this.compile(child, scope))));
      case 'not':
        return not(await this.compile(filter.filter, scope));
      case 'present':
        return this.present(filter.path, scope);
      case 'compare':
        if (filter.op === 'ne') return not(await this.compare(filter.path, 'eq', filter.value, scope));
        return this.compare(filter.path, filter.op, filter.value, scope);
      case 'valuePath':
        return this.valuePath(filter.path, filter.filter, scope);
    }
  }

  private async valuePath(path: ResolvedPath, inner: FilterAst, scope: Scope): Promise<MongoQuery> {
    // A value filter inside a value filter names nothing (the evaluator agrees: elements have no such attribute).
    if (scope) return MATCH_NONE;
    const target = this.context.model.targetOf(path);
    if (target.kind !== 'slot' || target.subAttribute) return MATCH_NONE;
    if (isMembersPath(path)) return this.groupsWithMember(await this.compile(inner, { kind: 'membership' }));
    if (target.slot.definition.type !== 'complex') return MATCH_NONE;
    const condition = await this.compile(inner, { kind: 'element' });
    if (condition === MATCH_NONE) return MATCH_NONE;
    const field = slotField(target.slot);
    // Every element of a complex attribute is an object in the search document (others are wrapped under "!").
    if (condition === MATCH_ALL) return { [`${field}.0`]: { $exists: true } };
    return { [field]: { $elemMatch: condition } };
  }

  private async present(path: ResolvedPath, scope: Scope): Promise<MongoQuery> {
    if (scope?.kind === 'membership') return memberPresent(path.subAttribute);
    if (scope?.kind === 'element') return { [PRESENT_SUBS]: { $eq: path.subAttribute ? path.subAttribute.name : ELEMENT_PRESENT } };
    const target = this.context.model.targetOf(path);
    switch (target.kind) {
      case 'absent':
        return MATCH_NONE;
      case 'column':
        // id, meta and its dates, type and version are set on every document; meta.location is never stored.
        return target.column === 'meta.location' ? MATCH_NONE : MATCH_ALL;
      case 'slot':
        if (isMembersPath(path)) return this.groupsWithMember(memberPresent(target.subAttribute));
        return { [presenceField(target.slot)]: { $eq: presenceKey(target.slot, target.subAttribute?.name) } };
    }
  }

  private async compare(path: ResolvedPath, op: ComparisonOperator, wanted: FilterValue, scope: Scope): Promise<MongoQuery> {
    const leaf = leafOf(path);
    if (scope?.kind === 'membership') return memberCompare(path.subAttribute, op, wanted);
    if (scope?.kind === 'element') {
      if (!path.subAttribute) return MATCH_NONE;
      return fieldCondition(path.subAttribute.name, leaf, op, wanted);
    }
    const target = this.context.model.targetOf(path);
    switch (target.kind) {
      case 'absent':
        return MATCH_NONE;
      case 'column':
        return columnCondition(target.column, target.leaf, op, wanted);
      case 'slot': {
        if (isMembersPath(path)) return this.groupsWithMember(memberCompare(target.subAttribute, op, wanted));
        const indexed = (op === 'eq' || op === 'sw') && typeof wanted === 'string' && wanted !== '' ? this.context.model.indexedPathOf(path) : undefined;
        if (indexed?.unique) {
          // `eq` and `sw` on a unique path read `u`, the exact set of its non-empty string values (normalised as the
          // search document holds them), under its unique index: `sw` is a prefix, an anchored expression without
          // flags, which the server answers as a range of that index.
          const literal = normaliseString(leaf, wanted as string);
          return { [uniqueField(indexed)]: op === 'eq' ? { $eq: literal } : { $regex: textPattern('sw', literal) } };
        }
        const exact = fieldCondition(valueField(target.slot, target.subAttribute), leaf, op, wanted);
        return (op === 'co' || op === 'ew') && exact !== MATCH_NONE ? this.narrowedByTrigrams(path, leaf, wanted, exact) : exact;
      }
    }
  }

  /**
   * `co`/`ew` on an indexed path with a literal of three characters or more: first the documents holding every piece of
   * the literal (an index range of its trigram field), then the exact expression (trigrams.ts).
   */
  private narrowedByTrigrams(path: ResolvedPath, leaf: AttributeDefinition, wanted: FilterValue, exact: MongoQuery): MongoQuery {
    const indexed = this.context.model.indexedPathOf(path);
    if (!indexed || !hasTrigrams(indexed) || typeof wanted !== 'string') return exact;
    const pieces = trigramsOf(normaliseString(leaf, wanted));
    return pieces.length === 0 ? exact : { $and: [{ [trigramField(indexed)]: { $all: pieces } }, exact] };
  }

  /** Groups (by id) that have a membership document matching `memberQuery`. */
  private async groupsWithMember(memberQuery: MongoQuery): Promise<MongoQuery> {
    if (memberQuery === MATCH_NONE || !this.context.memberGroups) return MATCH_NONE;
    const ids = await this.context.memberGroups(memberQuery === MATCH_ALL ? {} : memberQuery);
    return ids.length === 0 ? MATCH_NONE : { id: { $in: [...ids] } };
  }
}

function isMembersPath(path: ResolvedPath): boolean {
  return pathKey({ schemaUrn: path.schemaUrn, attribute: path.attribute }) === MEMBERS_KEY;
}

function valueField(slot: AttributeSlot, subAttribute: AttributeDefinition | undefined): string {
  return subAttribute ? `${slotField(slot)}.${subAttribute.name}` : slotField(slot);
}

function memberPresent(subAttribute: AttributeDefinition | undefined): MongoQuery {
  if (!subAttribute) return MATCH_ALL;
  const member = MEMBER_FIELDS[subAttribute.name.toLowerCase()];
  if (!member) return MATCH_NONE;
  return { [member.field]: { $exists: true, $nin: [null, ''] } };
}

function memberCompare(subAttribute: AttributeDefinition | undefined, op: ComparisonOperator, wanted: FilterValue): MongoQuery {
  const member = subAttribute ? MEMBER_FIELDS[subAttribute.name.toLowerCase()] : undefined;
  if (!subAttribute || !member) return MATCH_NONE;
  if (op === 'ne') return not(memberCompare(subAttribute, 'eq', wanted));
  return fieldCondition(member.field, { ...subAttribute, type: 'string', caseExact: member.exact }, op, wanted);
}

/** A condition on one field holding a value or a list of values (any may match). */
function fieldCondition(field: string, leaf: AttributeDefinition, op: ComparisonOperator, wanted: FilterValue): MongoQuery {
  const operator = valueOperator(leaf, op, wanted);
  return operator === undefined ? MATCH_NONE : { [field]: operator };
}

/** The operator expression a value must satisfy, or undefined when no value of this attribute can match. */
function valueOperator(leaf: AttributeDefinition, op: ComparisonOperator, wanted: FilterValue): MongoQuery | undefined {
  switch (leaf.type) {
    case 'string':
    case 'reference':
    case 'binary': {
      if (typeof wanted !== 'string') return undefined;
      const literal = normaliseString(leaf, wanted);
      if (op === 'co' || op === 'sw' || op === 'ew') return { $regex: textPattern(op, literal) };
      return ordered(op, literal);
    }
    case 'dateTime': {
      const instant = typeof wanted === 'string' ? normaliseDateTime(wanted) : undefined;
      return instant === undefined ? undefined : ordered(op, instant);
    }
    case 'integer':
    case 'decimal':
      return typeof wanted === 'number' && Number.isFinite(wanted) ? ordered(op, wanted) : undefined;
    case 'boolean':
      return op === 'eq' && typeof wanted === 'boolean' ? { $eq: wanted } : undefined;
    default:
      // A complex value is never compared as a whole.
      return undefined;
  }
}

const ORDERED_OPERATORS: Partial<Record<ComparisonOperator, string>> = { eq: '$eq', gt: '$gt', ge: '$gte', lt: '$lt', le: '$lte' };

function ordered(op: ComparisonOperator, value: string | number): MongoQuery | undefined {
  const operator = ORDERED_OPERATORS[op];
  return operator === undefined ? undefined : { [operator]: value };
}

const COLUMN_FIELDS: Partial<Record<ColumnPath, string>> = {
  id: 'id',
  'meta.created': 'created',
  'meta.lastModified': 'lastModified',
  'meta.resourceType': 'resourceType',
};

/** Comparisons on id and meta: top-level fields of known type. */
function columnCondition(column: ColumnPath, leaf: AttributeDefinition, op: ComparisonOperator, wanted: FilterValue): MongoQuery {
  const field = COLUMN_FIELDS[column];
  if (field) return fieldCondition(field, leaf, op, wanted);
  if (column !== 'meta.version') return MATCH_NONE; // meta itself is complex; meta.location is not stored
  // RFC 7644 §3.14: meta.version is the ETag, W/"<version>".
  if (typeof wanted !== 'string' || leaf.type !== 'string') return MATCH_NONE;
  const literal = normaliseString(leaf, wanted);
  if (op === 'eq') {
    const match = /^W\/"(0|[1-9]\d{0,14})"$/.exec(literal);
    return match ? { version: { $eq: Number(match[1]) } } : MATCH_NONE;
  }
  const etag = { $concat: ['W/"', { $toString: '$version' }, '"'] };
  if (op === 'co' || op === 'sw' || op === 'ew') return { $expr: { $regexMatch: { input: etag, regex: textPattern(op, literal) } } };
  const operator = ORDERED_OPERATORS[op];
  return operator ? { $expr: { [operator]: [etag, literal] } } : MATCH_NONE;
}

function normaliseString(leaf: AttributeDefinition, value: string): string {
  return leaf.caseExact || leaf.type === 'binary' ? value : foldCase(value);
}

function and(parts: readonly MongoQuery[]): MongoQuery {
  if (parts.some((part) => part === MATCH_NONE)) return MATCH_NONE;
  const rest = parts.filter((part) => part !== MATCH_ALL);
  if (rest.length === 0) return MATCH_ALL;
  return rest.length === 1 ? rest[0] : { $and: rest };
}

function or(parts: readonly MongoQuery[]): MongoQuery {
  if (parts.some((part) => part === MATCH_ALL)) return MATCH_ALL;
  const rest = parts.filter((part) => part !== MATCH_NONE);
  if (rest.length === 0) return MATCH_NONE;
  return rest.length === 1 ? rest[0] : { $or: rest };
}

function not(part: MongoQuery): MongoQuery {
  if (part === MATCH_ALL) return MATCH_NONE;
  if (part === MATCH_NONE) return MATCH_ALL;
  return { $nor: [part] };
}

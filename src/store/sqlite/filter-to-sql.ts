// FilterAst (RFC 7644 §3.4.2.2) -> an SQL condition on the row `r` of the resources table.
//
// The rules, identical to the in-memory evaluator (src/scim/filter/evaluate-filter.ts), which is the oracle the
// contract suite checks this compiler against:
//   1. `not (X)` is the complement of X.
//   2. `attr ne v` is `not (attr eq v)`: true for a resource without the attribute, and for a multi-valued attribute
//      true only when NO value equals v.
//   3. Every other comparison with a missing attribute is false.
//   4. A multi-valued attribute matches when ANY of its values matches. `emails[type eq "work" and value co "@x"]`
//      needs ONE element to satisfy the whole inner filter (an EXISTS over that attribute's elements).
//   5. `attr pr`: some value is present: not null, not "", not [], and for a complex value an object with a present
//      member (RFC 7643 §2.5).
//   6. caseExact=false strings compare folded (foldCase() on both sides; the stored side is folded at write time in
//      the search document) for every operator; caseExact=true strings and binary compare exactly. gt/ge/lt/le on
//      strings order by Unicode code point: SQLite's BINARY collation compares UTF-8 bytes, which is that order.
//   7. integer/decimal compare numerically; dateTime compares as instants (stored values and literals are ISO 8601
//      UTC with milliseconds, whose text order is time order); boolean supports eq/ne/pr only.
//   8. A stored value of the wrong JSON type for the attribute matches no comparison.
//
// Safety: user values reach SQL ONLY as bound parameters. The SQL text holds nothing but fixed keywords, column
// names and generated aliases; JSON paths are derived from the registry and bound as parameters too. co/sw/ew use
// instr()/substr(), never LIKE or GLOB, so no user text is ever read as a pattern.
import type { ComparisonOperator, FilterAst, FilterValue } from '../../scim/filter/filter-ast';
import { normaliseDateTime } from '../../scim/filter/date-time';
import { leafOf, type ResolvedPath } from '../../scim/paths/resolved-path';
import type { AttributeDefinition } from '../../scim/schema/attribute';
import { foldCase } from '../../scim/schema/fold-case';
import { URN } from '../../scim/urns';
import { pathKey, type ColumnPath, type PathTarget, type ResourceModel } from '../model/resource-model';
import { jsonLabel, searchColumn, slotJsonPath } from './json-path';

/** Bound parameters: text, numbers, and bytes (a Buffer binds as a BLOB). */
export type SqlValue = string | number | Buffer;

export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

/** A compiled condition; `ids` is set when it is `r.id IN (ids)` over the side table, so that ORs can merge. */
interface Compiled extends SqlFragment {
  readonly ids?: SqlFragment;
}

export interface FilterSqlContext {
  readonly model: ResourceModel;
  /** Alias of the resources table in the enclosing query. */
  readonly row: string;
  readonly tenantId: string;
}

const TRUE: SqlFragment = { sql: '1', params: [] };
const FALSE: SqlFragment = { sql: '0', params: [] };

/** A scalar JSON value (a json_each/json_tree row `alias`) counts as present: not null and not "". */
const presentScalar = (alias: string) => `${alias}.atom IS NOT NULL AND (${alias}.type <> 'text' OR ${alias}.atom <> '')`;

export function filterToSql(filter: FilterAst, context: FilterSqlContext): SqlFragment {
  const { sql, params } = new Compiler(context).compile(filter, undefined);
  return { sql, params };
}

/**
 * Where values are read: the row's search document, (inside a value filter) one element of an attribute, or one row
 * `membership` of the memberships table (inside `members[...]`).
 */
type Scope = { readonly element: string; readonly membership?: undefined } | { readonly membership: string } | undefined;

/**
 * Group members live in their own table (migration 2), not in the search document: filters on `members` and its
 * sub-attributes read that table, the common `members.value eq "<id>"` through its member index.
 */
const MEMBERS_KEY = pathKey({ schemaUrn: URN.core.group, attribute: { name: 'members' } as AttributeDefinition });
const MEMBER_COLUMNS: Readonly<Record<string, string>> = { value: 'member_id', type: 'member_type', display: 'display' };

function isMembersPath(path: ResolvedPath): boolean {
  return pathKey({ schemaUrn: path.schemaUrn, attribute: path.attribute }) === MEMBERS_KEY;
}

/**
 * The SQL value of a member sub-attribute on membership row `alias`, and the definition to compare it with. A member
 * id is matched exactly, as ids are (RFC 7643 §3.1 `id` is caseExact); type and display compare lower-cased.
 */
function memberColumn(alias: string, subAttribute: AttributeDefinition | undefined): { value: string; leaf: AttributeDefinition } | undefined {
  if (!subAttribute) return undefined;
  const column = MEMBER_COLUMNS[subAttribute.name.toLowerCase()];
  if (column === undefined) return undefined;
  if (column === 'member_id') return { value: `${alias}.member_id`, leaf: { ...subAttribute, caseExact: true } };
  return { value: `lower(${alias}.${column})`, leaf: subAttribute };
}

/** How a value is read for a comparison: its JSON type (null for a column of known type) and its SQL value. */
interface ValueAccess {
  readonly type: string | null;
  readonly value: string;
}

class Compiler {
  private aliasCount = 0;

  constructor(private readonly context: FilterSqlContext) {}

  compile(filter: FilterAst, scope: Scope): Compiled {
    switch (filter.kind) {
      case 'and':
      case 'or': {
        if (filter.filters.length === 0) return filter.kind === 'and' ? TRUE : FALSE;
        const parts = filter.filters.map((child) => this.compile(child, scope));
        if (filter.kind === 'or' && parts.length > 1 && parts.every((part) => part.ids)) {
          // `userName eq "a" or emails.value eq "b"`: one IN over the union of the index lookups. Separate INs
          // joined by OR would make SQLite walk every row of the tenant.
          const ids = parts.map((part) => part.ids!);
          return idsIn(this.context.row, { sql: ids.map((part) => part.sql).join(' UNION '), params: ids.flatMap((part) => part.params) });
        }
        return join(parts, filter.kind === 'and' ? ' AND ' : ' OR ');
      }
      case 'not':
        return negate(this.compile(filter.filter, scope));
      case 'present':
        return this.present(filter.path, scope);
      case 'compare':
        if (filter.op === 'ne') return negate(this.compare(filter.path, 'eq', filter.value, scope));
        return this.compare(filter.path, filter.op, filter.value, scope);
      case 'valuePath':
        return this.valuePath(filter.path, filter.filter, scope);
    }
  }

  private alias(prefix: string): string {
    this.aliasCount += 1;
    return `${prefix}${this.aliasCount}`;
  }

  private valuePath(path: ResolvedPath, inner: FilterAst, scope: Scope): SqlFragment {
    // A value filter inside a value filter names nothing (the evaluator agrees: elements have no such attribute).
    if (scope) return FALSE;
    const target = this.context.model.targetOf(path);
    if (target.kind === 'slot' && !target.subAttribute && isMembersPath(path)) return this.membersValuePath(path, inner);
    // Value filters on meta or on an attribute this type does not have select nothing.
    if (target.kind !== 'slot' || target.subAttribute) return FALSE;
    // One condition on a sub-attribute holds for one element exactly when it holds for the attribute's values
    // taken together, so `emails[value eq "x"]` compiles like `emails.value eq "x"` and can use the index.
    if ((inner.kind === 'compare' && inner.op !== 'ne') || inner.kind === 'present') {
      if (inner.path.subAttribute) return this.compile({ ...inner, path: { ...path, subAttribute: inner.path.subAttribute } }, undefined);
    }
    const element = this.alias('e');
    const condition = this.compile(inner, { element });
    return {
      sql: `EXISTS (SELECT 1 FROM json_each(${searchColumn(this.context.row, target.slot)}, ?) ${element} WHERE ${condition.sql})`,
      params: [slotJsonPath(target.slot), ...condition.params],
    };
  }

  /** `members[inner]`: some membership row of the group satisfies the whole inner filter. */
  private membersValuePath(path: ResolvedPath, inner: FilterAst): SqlFragment {
    if ((inner.kind === 'compare' && inner.op !== 'ne') || inner.kind === 'present') {
      if (inner.path.subAttribute) return this.compile({ ...inner, path: { ...path, subAttribute: inner.path.subAttribute } }, undefined);
    }
    const membership = this.alias('m');
    return this.someMembership(membership, this.compile(inner, { membership }));
  }

  private someMembership(membership: string, condition: SqlFragment): SqlFragment {
    if (condition === FALSE) return FALSE;
    return {
      sql: `EXISTS (SELECT 1 FROM memberships ${membership} WHERE ${membership}.tenant_id = ? AND ${membership}.group_id = ${this.context.row}.id AND ${condition.sql})`,
      params: [this.context.tenantId, ...condition.params],
    };
  }

  /** `pr` on a member sub-attribute of row `membership`: ids and types are always set, display may be empty. */
  private memberPresent(membership: string, subAttribute: AttributeDefinition | undefined): SqlFragment {
    if (!subAttribute) return TRUE;
    const column = memberColumn(membership, subAttribute);
    if (!column) return FALSE;
    return { sql: `(${column.value} IS NOT NULL AND ${column.value} <> '')`, params: [] };
  }

  private memberCompare(membership: string, subAttribute: AttributeDefinition | undefined, op: ComparisonOperator, wanted: FilterValue): SqlFragment {
    const column = memberColumn(membership, subAttribute);
    return column ? condition({ type: null, value: column.value }, column.leaf, op, wanted) : FALSE;
  }

  private present(path: ResolvedPath, scope: Scope): SqlFragment {
    if (scope?.membership !== undefined) return this.memberPresent(scope.membership, path.subAttribute);
    if (!scope && isMembersPath(path) && this.context.model.targetOf(path).kind === 'slot') {
      const membership = this.alias('m');
      return this.someMembership(membership, this.memberPresent(membership, path.subAttribute));
    }
    if (scope) {
      const { element } = scope;
      const tree = this.alias('t');
      if (!path.subAttribute) {
        // The element itself (a multi-valued simple attribute): present when it is a present scalar, or a
        // container holding one.
        return {
          sql: `(${presentScalar(element)} OR EXISTS (SELECT 1 FROM json_tree(CASE WHEN ${element}.type IN ('object', 'array') THEN ${element}.value ELSE '[]' END) ${tree} WHERE ${presentScalar(tree)}))`,
          params: [],
        };
      }
      return {
        sql: `EXISTS (SELECT 1 FROM json_tree(${element}.value, ?) ${tree} WHERE ${presentScalar(tree)})`,
        params: [`$.${jsonLabel(path.subAttribute.name)}`],
      };
    }
    const target = this.context.model.targetOf(path);
    switch (target.kind) {
      case 'absent':
        return FALSE;
      case 'column':
        // id, meta and its dates, type and version are set on every row; meta.location is never stored.
        return target.column === 'meta.location' ? FALSE : TRUE;
      case 'slot': {
        const tree = this.alias('t');
        if (!target.subAttribute) {
          return {
            sql: `EXISTS (SELECT 1 FROM json_tree(${searchColumn(this.context.row, target.slot)}, ?) ${tree} WHERE ${presentScalar(tree)})`,
            params: [slotJsonPath(target.slot)],
          };
        }
        const element = this.alias('e');
        return {
          sql: `EXISTS (SELECT 1 FROM json_each(${searchColumn(this.context.row, target.slot)}, ?) ${element}, json_tree(${element}.value, ?) ${tree} WHERE ${presentScalar(tree)})`,
          params: [slotJsonPath(target.slot), `$.${jsonLabel(target.subAttribute.name)}`],
        };
      }
    }
  }

  private compare(path: ResolvedPath, op: ComparisonOperator, wanted: FilterValue, scope: Scope): SqlFragment {
    const leaf = leafOf(path);
    if (scope?.membership !== undefined) return this.memberCompare(scope.membership, path.subAttribute, op, wanted);
    if (!scope && isMembersPath(path) && this.context.model.targetOf(path).kind === 'slot') return this.membersCompare(path, op, wanted);
    if (scope) {
      const { element } = scope;
      if (!path.subAttribute) return condition({ type: `${element}.type`, value: `${element}.value` }, leaf, op, wanted);
      const value = this.alias('v');
      const test = condition({ type: `${value}.type`, value: `${value}.value` }, leaf, op, wanted);
      if (test === FALSE) return FALSE;
      return {
        sql: `EXISTS (SELECT 1 FROM json_each(${element}.value, ?) ${value} WHERE ${test.sql})`,
        params: [`$.${jsonLabel(path.subAttribute.name)}`, ...test.params],
      };
    }

    const target: PathTarget = this.context.model.targetOf(path);
    switch (target.kind) {
      case 'absent':
        return FALSE;
      case 'column': {
        const access = columnAccess(target.column, this.context.row);
        return access ? condition(access, target.leaf, op, wanted) : FALSE;
      }
      case 'slot': {
        const indexed = this.indexed(path, leaf, op, wanted);
        if (indexed) return indexed;
        const value = this.alias('v');
        const test = condition({ type: `${value}.type`, value: `${value}.value` }, leaf, op, wanted);
        if (test === FALSE) return FALSE;
        if (!target.subAttribute) {
          return {
            sql: `EXISTS (SELECT 1 FROM json_each(${searchColumn(this.context.row, target.slot)}, ?) ${value} WHERE ${test.sql})`,
            params: [slotJsonPath(target.slot), ...test.params],
          };
        }
        const element = this.alias('e');
        return {
          sql: `EXISTS (SELECT 1 FROM json_each(${searchColumn(this.context.row, target.slot)}, ?) ${element}, json_each(${element}.value, ?) ${value} WHERE ${test.sql})`,
          params: [slotJsonPath(target.slot), `$.${jsonLabel(target.subAttribute.name)}`, ...test.params],
        };
      }
    }
  }

  /** A comparison on `members.<sub>`: some membership row of the group satisfies it. */
  private membersCompare(path: ResolvedPath, op: ComparisonOperator, wanted: FilterValue): Compiled {
    const isMemberId = path.subAttribute !== undefined && MEMBER_COLUMNS[path.subAttribute.name.toLowerCase()] === 'member_id';
    if (op === 'eq' && isMemberId && typeof wanted === 'string') {
      // The groups of one member, straight from memberships_by_member (tenant_id, member_id, group_id).
      return idsIn(this.context.row, { sql: 'SELECT group_id FROM memberships WHERE tenant_id = ? AND member_id = ?', params: [this.context.tenantId, wanted] });
    }
    const membership = this.alias('m');
    return this.someMembership(membership, this.memberCompare(membership, path.subAttribute, op, wanted));
  }

  private indexed(path: ResolvedPath, leaf: AttributeDefinition, op: ComparisonOperator, wanted: FilterValue): Compiled | undefined {
    switch (op) {
      case 'eq':
        return this.indexedEquality(path, leaf, wanted);
      case 'sw':
        return this.indexedPrefix(path, leaf, wanted);
      case 'co':
      case 'ew':
        return this.indexedSubstring(path, leaf, op, wanted);
      default:
        return this.indexedRange(path, leaf, op, wanted);
    }
  }

  /**
   * `co` and `ew` on an indexed path: the trigram index of the indexed values (migration 16) narrows to the values
   * that hold every trigram of the literal, and the same exact test as a scan confirms each one, so the index can
   * only make the query faster, never its answer different. A literal of fewer than three characters has no trigram
   * and is left to the scan.
   */
  private indexedSubstring(path: ResolvedPath, leaf: AttributeDefinition, op: 'co' | 'ew', wanted: FilterValue): Compiled | undefined {
    const indexed = this.context.model.indexedPathOf(path);
    if (!indexed || (leaf.type !== 'string' && leaf.type !== 'reference') || typeof wanted !== 'string') return undefined;
    const literal = normaliseString(leaf, wanted);
    const match = trigramMatch(literal);
    if (match === undefined) return undefined;
    const exact = textTest('t.value', op, literal);
    const { row, tenantId, model } = this.context;
    // CROSS JOIN keeps the planner from starting at the tenant's part of resource_texts instead of at the index.
    return idsIn(row, {
      sql:
        'SELECT t.resource_id FROM resource_texts_trigrams f CROSS JOIN resource_texts t ON t.id = f.rowid ' +
        `WHERE f.resource_texts_trigrams MATCH ? AND t.tenant_id = ? AND t.resource_type = ? AND t.path = ? AND ${exact.sql}`,
      params: [match, tenantId, model.resourceType, indexed.path, ...exact.params],
    });
  }

  /**
   * `eq` on an indexed path reads resource_values through its (tenant, type, path, value) key: the rows there are
   * exactly the string values of the path, normalised like the search document, so the answer is the same.
   */
  private indexedEquality(path: ResolvedPath, leaf: AttributeDefinition, wanted: FilterValue): Compiled | undefined {
    const indexed = this.context.model.indexedPathOf(path);
    if (!indexed || typeof wanted !== 'string') return undefined;
    const literal = indexedLiteral(leaf, wanted);
    if (literal === undefined) return FALSE;
    const { row, tenantId, model } = this.context;
    return idsIn(row, {
      sql: 'SELECT resource_id FROM resource_values WHERE tenant_id = ? AND resource_type = ? AND path = ? AND value = ?',
      params: [tenantId, model.resourceType, indexed.path, literal],
    });
  }

  /**
   * gt/ge/lt/le on an indexed dateTime path (`lastSignIn lt "2026-01-01T00:00:00Z"`) are key ranges on the same index:
   * its values are the normalised instants (ISO 8601 UTC with milliseconds), whose text order is time order, and an
   * invalid stored dateTime never becomes a row, as it matches no comparison (rule 8).
   */
  private indexedRange(path: ResolvedPath, leaf: AttributeDefinition, op: ComparisonOperator, wanted: FilterValue): Compiled | undefined {
    const operator = RANGE_OPERATORS[op];
    const indexed = this.context.model.indexedPathOf(path);
    if (!indexed || operator === undefined || leaf.type !== 'dateTime' || typeof wanted !== 'string') return undefined;
    const literal = indexedLiteral(leaf, wanted);
    if (literal === undefined) return FALSE;
    const { row, tenantId, model } = this.context;
    return idsIn(row, {
      sql: `SELECT resource_id FROM resource_values WHERE tenant_id = ? AND resource_type = ? AND path = ? AND value ${operator} ?`,
      params: [tenantId, model.resourceType, indexed.path, literal],
    });
  }

  /** `sw` on an indexed path is a key range on the same index (IdPs and admin UIs search by prefix). */
  private indexedPrefix(path: ResolvedPath, leaf: AttributeDefinition, wanted: FilterValue): Compiled | undefined {
    const indexed = this.context.model.indexedPathOf(path);
    if (!indexed || leaf.type === 'dateTime' || typeof wanted !== 'string' || wanted === '') return undefined;
    const prefix = normaliseString(leaf, wanted);
    const upper = prefixUpperBound(prefix);
    if (upper === undefined) return undefined;
    const { row, tenantId, model } = this.context;
    return idsIn(row, {
      sql: 'SELECT resource_id FROM resource_values WHERE tenant_id = ? AND resource_type = ? AND path = ? AND value >= ? AND value < ?',
      params: [tenantId, model.resourceType, indexed.path, prefix, upper],
    });
  }
}

/**
 * The smallest string greater than every string that starts with `prefix`: the prefix with its last code point
 * raised by one. SQLite compares TEXT bytewise and UTF-8 keeps code point order, so [prefix, upper) is exactly
 * the strings starting with `prefix`. Undefined when no such bound exists (a prefix of U+10FFFF only).
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last >= 0x10ffff) continue;
    // Lone surrogates are not characters: step over the surrogate block.
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
    return points.join('') + String.fromCodePoint(next);
  }
  return undefined;
}

/** The most trigrams one substring query asks the index for: enough to be selective, few enough to stay cheap. */
const MAX_TRIGRAMS = 16;

/**
 * An FTS5 query for the values containing every trigram (three consecutive characters) of `literal`, each a quoted
 * string (a `"` doubled, so nothing in it is query syntax), joined by FTS5's implicit AND; a long literal asks for an
 * evenly spread selection, the first and last included. Undefined when the index cannot serve it: fewer than three
 * characters, or a NUL, which an FTS5 query string cannot carry.
 */
export function trigramMatch(literal: string): string | undefined {
  const points = Array.from(literal);
  if (points.length < 3 || literal.includes('\u0000')) return undefined;
  const all = [...new Set(points.slice(0, -2).map((_, at) => points.slice(at, at + 3).join('')))];
  const step = Math.max(1, (all.length - 1) / (MAX_TRIGRAMS - 1));
  const chosen = all.length <= MAX_TRIGRAMS ? all : Array.from({ length: MAX_TRIGRAMS }, (_, at) => all[Math.round(at * step)]);
  return chosen.map((trigram) => `"${trigram.replaceAll('"', '""')}"`).join(' ');
}

function idsIn(row: string, ids: SqlFragment): Compiled {
  return { sql: `${row}.id IN (${ids.sql})`, params: ids.params, ids };
}

/** Columns hold one value of a known SQL type each; the version is shown as its ETag (RFC 7644 §3.14). */
function columnAccess(column: ColumnPath, row: string): ValueAccess | undefined {
  switch (column) {
    case 'id':
      return { type: null, value: `${row}.id` };
    case 'meta.created':
      return { type: null, value: `${row}.created` };
    case 'meta.lastModified':
      return { type: null, value: `${row}.last_modified` };
    case 'meta.resourceType':
      return { type: null, value: `${row}.resource_type` };
    case 'meta.version':
      return { type: null, value: `('W/"' || ${row}.version || '"')` };
    default:
      // meta itself is complex (no comparison applies); meta.location is not stored.
      return undefined;
  }
}

/** The condition for one value (`access`) against the literal; FALSE when no value of this attribute can match. */
function condition(access: ValueAccess, leaf: AttributeDefinition, op: ComparisonOperator, wanted: FilterValue): SqlFragment {
  const typeIs = (...types: string[]) =>
    access.type === null ? '' : `${access.type} ${types.length === 1 ? `= '${types[0]}'` : `IN (${types.map((type) => `'${type}'`).join(', ')})`} AND `;
  switch (leaf.type) {
    case 'string':
    case 'reference':
    case 'binary': {
      if (typeof wanted !== 'string') return FALSE;
      const test = textTest(access.value, op, normaliseString(leaf, wanted));
      return test && { sql: `(${typeIs('text')}${test.sql})`, params: test.params };
    }
    case 'dateTime': {
      const instant = typeof wanted === 'string' ? normaliseDateTime(wanted) : undefined;
      if (instant === undefined || !ORDERED.has(op)) return FALSE;
      return { sql: `(${typeIs('text')}${access.value} ${ORDERED_SQL[op]} ?)`, params: [instant] };
    }
    case 'integer':
    case 'decimal':
      if (typeof wanted !== 'number' || !Number.isFinite(wanted) || !ORDERED.has(op)) return FALSE;
      return { sql: `(${typeIs('integer', 'real')}${access.value} ${ORDERED_SQL[op]} ?)`, params: [wanted] };
    case 'boolean':
      if (op !== 'eq' || typeof wanted !== 'boolean' || access.type === null) return FALSE;
      return { sql: `${access.type} = '${wanted ? 'true' : 'false'}'`, params: [] };
    default:
      // A complex value is never compared as a whole.
      return FALSE;
  }
}

const ORDERED_SQL: Partial<Record<ComparisonOperator, string>> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' };
const ORDERED = new Set<ComparisonOperator>(['eq', 'gt', 'ge', 'lt', 'le']);

function textTest(value: string, op: ComparisonOperator, wanted: string): SqlFragment {
  switch (op) {
    case 'co':
      return wanted === '' ? TRUE : { sql: `instr(${value}, ?) > 0`, params: [wanted] };
    case 'sw':
      // The first occurrence is at position 1 exactly when the value starts with `wanted`.
      return wanted === '' ? TRUE : { sql: `instr(${value}, ?) = 1`, params: [wanted] };
    case 'ew': {
      if (wanted === '') return TRUE;
      // Compared as UTF-8 bytes: substr() on TEXT counts characters only up to the first NUL, so a value holding one
      // never matched (issue 14). On a BLOB it counts bytes, from the right for a negative start (a shorter value
      // yields itself, which then differs); a byte suffix equal to `wanted`'s UTF-8 is a whole-character suffix,
      // because no UTF-8 character starts with a continuation byte.
      const bytes = Buffer.from(wanted, 'utf8');
      return { sql: `substr(CAST(${value} AS BLOB), ?) = ?`, params: [-bytes.length, bytes] };
    }
    default:
      return { sql: `${value} ${ORDERED_SQL[op] ?? '='} ?`, params: [wanted] };
  }
}

const RANGE_OPERATORS: Partial<Record<ComparisonOperator, string>> = { gt: '>', ge: '>=', lt: '<', le: '<=' };

/** A literal as the indexed values hold it: a dateTime as its normalised instant (undefined when it is none). */
function indexedLiteral(leaf: AttributeDefinition, value: string): string | undefined {
  return leaf.type === 'dateTime' ? normaliseDateTime(value) : normaliseString(leaf, value);
}

function normaliseString(leaf: AttributeDefinition, value: string): string {
  return leaf.caseExact || leaf.type === 'binary' ? value : foldCase(value);
}

function join(parts: readonly SqlFragment[], separator: string): SqlFragment {
  if (parts.length === 1) return parts[0];
  return { sql: `(${parts.map((part) => part.sql).join(separator)})`, params: parts.flatMap((part) => part.params) };
}

function negate(fragment: SqlFragment): SqlFragment {
  if (fragment === TRUE) return FALSE;
  if (fragment === FALSE) return TRUE;
  return { sql: `NOT (${fragment.sql})`, params: fragment.params };
}

// In-memory filter evaluation: PATCH value filters use it, and it is the oracle the SQL and MongoDB compilers are
// tested against (test/fixtures/filter-cases.ts). Every store MUST give exactly these answers:
//
//   1. `not (X)` is the complement of X.
//   2. `attr ne v` is `not (attr eq v)`: a resource without the attribute matches `ne`, and a multi-valued
//      attribute matches `ne` only when NO value equals v.
//   3. Every other comparison with a missing or null attribute is false.
//   4. A multi-valued attribute matches when ANY of its values matches; for a complex multi-valued attribute,
//      `emails.value eq x` matches when any element's value matches (the elements need not be the same for two
//      separate comparisons; use `emails[...]` to require one element to satisfy several).
//   5. `attr pr` holds when some value is present: not null, not "", not [], and for a complex value, an object
//      with at least one present member (RFC 7643 §2.5: unassigned, null and empty are the same state).
//      `attr eq null` / `attr ne null` never reach here: the parser turns them into `not (attr pr)` / `attr pr`.
//   6. Strings with caseExact=false are compared after foldCase() on both sides, for every operator
//      (eq/ne/co/sw/ew/gt/ge/lt/le); caseExact=true strings (and binary) are compared exactly. Ordering of strings is
//      by Unicode code point (see code-point-order.ts).
//   7. integer/decimal compare numerically; dateTime compares as instants (a stored value that is not a valid
//      dateTime matches nothing); boolean supports eq/ne/pr only.
//   8. A stored value of the wrong JSON type for the attribute (e.g. a number in a string attribute) matches no
//      comparison.
//   9. `attr[filter]` holds when ONE element of attr satisfies the whole inner filter.
// Attribute names in the AST are canonical; stored JSON keys are matched case-insensitively as a tolerance.
import { foldCase } from '../schema/fold-case';
import type { AttributeDefinition, ScimAttributes } from '../schema/attribute';
import { COMMON_SCHEMA, leafOf, type ResolvedPath } from '../paths/resolved-path';
import { getIgnoringCase } from '../paths/case-insensitive-key';
import { compareCodePoints } from './code-point-order';
import { parseDateTime } from './date-time';
import type { ComparisonOperator, FilterAst, FilterValue } from './filter-ast';

export interface EvaluationTarget {
  /** Core attributes by canonical name; extension attributes under their schema URN. */
  readonly attributes: ScimAttributes;
  readonly id?: string;
  readonly meta?: {
    readonly resourceType?: string;
    readonly created?: string;
    readonly lastModified?: string;
    readonly version?: string;
  };
}

/** The values a path names, flattened across multi-valued attributes; missing values are simply absent. */
type ValueLookup = (path: ResolvedPath) => readonly unknown[];

export function evaluateFilter(filter: FilterAst, resource: EvaluationTarget): boolean {
  return evaluate(filter, (path) => leafValues(path, topLevelValue(path, resource)), (path) => topLevelValue(path, resource));
}

/**
 * Tests ONE element of a multi-valued complex attribute (e.g. one of `emails`) against a value filter whose paths
 * are sub-attributes of that attribute, as in the PATCH path `emails[type eq "work"]` (RFC 7644 §3.5.2).
 */
export function matchesValueFilter(filter: FilterAst, element: unknown): boolean {
  return evaluate(filter, (path) => elementValues(path, element), () => undefined);
}

function evaluate(filter: FilterAst, lookup: ValueLookup, containerOf: (path: ResolvedPath) => unknown): boolean {
  switch (filter.kind) {
    case 'and':
      return filter.filters.every((child) => evaluate(child, lookup, containerOf));
    case 'or':
      return filter.filters.some((child) => evaluate(child, lookup, containerOf));
    case 'not':
      return !evaluate(filter.filter, lookup, containerOf);
    case 'present':
      return lookup(filter.path).some(isPresent);
    case 'compare':
      return compare(filter.op, leafOf(filter.path), filter.value, lookup(filter.path));
    case 'valuePath':
      return asList(containerOf(filter.path)).some((element) => matchesValueFilter(filter.filter, element));
  }
}

function compare(op: ComparisonOperator, leaf: AttributeDefinition, wanted: FilterValue, values: readonly unknown[]): boolean {
  if (op === 'ne') return !compare('eq', leaf, wanted, values);
  return values.some((value) => compareOne(op, leaf, wanted, value));
}

function compareOne(op: ComparisonOperator, leaf: AttributeDefinition, wanted: FilterValue, value: unknown): boolean {
  switch (leaf.type) {
    case 'string':
    case 'reference':
    case 'binary': {
      if (typeof value !== 'string' || typeof wanted !== 'string') return false;
      const exact = leaf.caseExact || leaf.type === 'binary';
      return compareStrings(op, exact ? value : foldCase(value), exact ? wanted : foldCase(wanted));
    }
    case 'integer':
    case 'decimal':
      if (typeof value !== 'number' || typeof wanted !== 'number') return false;
      return compareOrdered(op, value - wanted);
    case 'dateTime': {
      if (typeof value !== 'string' || typeof wanted !== 'string') return false;
      const stored = parseDateTime(value);
      const target = parseDateTime(wanted);
      if (stored === undefined || target === undefined) return false;
      return compareOrdered(op, stored - target);
    }
    case 'boolean':
      return op === 'eq' && typeof value === 'boolean' && value === wanted;
    default:
      // complex: the parser never produces a comparison on a complex value.
      return false;
  }
}

function compareStrings(op: ComparisonOperator, value: string, wanted: string): boolean {
  switch (op) {
    case 'co':
      return value.includes(wanted);
    case 'sw':
      return value.startsWith(wanted);
    case 'ew':
      return value.endsWith(wanted);
    default:
      return compareOrdered(op, compareCodePoints(value, wanted));
  }
}

/** `difference` is negative, zero or positive as the stored value is below, equal to or above the wanted one. */
function compareOrdered(op: ComparisonOperator, difference: number): boolean {
  switch (op) {
    case 'eq':
      return difference === 0;
    case 'gt':
      return difference > 0;
    case 'ge':
      return difference >= 0;
    case 'lt':
      return difference < 0;
    case 'le':
      return difference <= 0;
    default:
      // co/sw/ew on a non-string type: the parser rejects these.
      return false;
  }
}

function isPresent(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return false;
  if (Array.isArray(value)) return value.some(isPresent);
  if (typeof value === 'object') return Object.values(value).some(isPresent);
  return true;
}

/** The stored value of the path's top-level attribute (e.g. the whole `emails` array for `emails.value`). */
function topLevelValue(path: ResolvedPath, resource: EvaluationTarget): unknown {
  const { attributes } = resource;
  if (path.schemaUrn === COMMON_SCHEMA) {
    const name = path.attribute.name.toLowerCase();
    // id and meta live beside the attributes in an EvaluationTarget; fall back to the attributes for callers
    // that keep them inline.
    if (name === 'id' && resource.id !== undefined) return resource.id;
    if (name === 'meta' && resource.meta !== undefined) return resource.meta;
    return getIgnoringCase(attributes, path.attribute.name);
  }
  const container = path.inExtension ? getIgnoringCase(attributes, path.schemaUrn) : attributes;
  return getIgnoringCase(container, path.attribute.name);
}

/** The leaf values of a path given its top-level attribute's stored value. */
function leafValues(path: ResolvedPath, stored: unknown): readonly unknown[] {
  const top = asList(stored);
  const { subAttribute } = path;
  if (!subAttribute) return top;
  return top.flatMap((element) => asList(getIgnoringCase(element, subAttribute.name)));
}

/** Inside a value filter, a path names a sub-attribute of the element being tested. */
function elementValues(path: ResolvedPath, element: unknown): readonly unknown[] {
  return path.subAttribute ? asList(getIgnoringCase(element, path.subAttribute.name)) : asList(element);
}

function asList(value: unknown): readonly unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.filter((item) => item !== undefined && item !== null) : [value];
}

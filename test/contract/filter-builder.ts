// Builds FilterAst values by hand from attribute path text, resolved against the registry exactly as the filter
// parser resolves them (resolveAttributePath / resolveSubAttribute), so store tests do not depend on the parser.
import type { ComparisonOperator, FilterAst, FilterValue } from '../../src/scim/filter/filter-ast';
import { resolveAttributePath, resolveSubAttribute } from '../../src/scim/paths/attribute-path';
import type { ResolvedPath } from '../../src/scim/paths/resolved-path';
import type { SchemaRegistry } from '../../src/scim/schema/registry';

export interface FilterBuilder {
  path(text: string): ResolvedPath;
  compare(path: string, op: ComparisonOperator, value: FilterValue): FilterAst;
  eq(path: string, value: FilterValue): FilterAst;
  ne(path: string, value: FilterValue): FilterAst;
  co(path: string, value: string): FilterAst;
  sw(path: string, value: string): FilterAst;
  ew(path: string, value: string): FilterAst;
  gt(path: string, value: FilterValue): FilterAst;
  ge(path: string, value: FilterValue): FilterAst;
  lt(path: string, value: FilterValue): FilterAst;
  le(path: string, value: FilterValue): FilterAst;
  pr(path: string): FilterAst;
  and(...filters: FilterAst[]): FilterAst;
  or(...filters: FilterAst[]): FilterAst;
  not(filter: FilterAst): FilterAst;
  /** `attr[inner]`: inside `inner`, paths are sub-attribute names of attr. */
  where(path: string, inner: (element: FilterBuilder) => FilterAst): FilterAst;
}

export function filterBuilder(registry: SchemaRegistry, resourceTypeName: string): FilterBuilder {
  const resourceType = registry.resourceType(resourceTypeName);
  if (!resourceType) throw new Error(`Unknown resource type ${resourceTypeName}`);
  return builderFor((text) => {
    const resolved = resolveAttributePath(registry, resourceType, text);
    if (!resolved) throw new Error(`${resourceTypeName} has no attribute ${text}`);
    return resolved;
  });
}

function builderFor(resolve: (text: string) => ResolvedPath): FilterBuilder {
  const compare = (path: string, op: ComparisonOperator, value: FilterValue): FilterAst => ({ kind: 'compare', path: resolve(path), op, value });
  return {
    path: resolve,
    compare,
    eq: (path, value) => compare(path, 'eq', value),
    ne: (path, value) => compare(path, 'ne', value),
    co: (path, value) => compare(path, 'co', value),
    sw: (path, value) => compare(path, 'sw', value),
    ew: (path, value) => compare(path, 'ew', value),
    gt: (path, value) => compare(path, 'gt', value),
    ge: (path, value) => compare(path, 'ge', value),
    lt: (path, value) => compare(path, 'lt', value),
    le: (path, value) => compare(path, 'le', value),
    pr: (path) => ({ kind: 'present', path: resolve(path) }),
    and: (...filters) => ({ kind: 'and', filters }),
    or: (...filters) => ({ kind: 'or', filters }),
    not: (filter) => ({ kind: 'not', filter }),
    where(path, inner) {
      const parent = resolve(path);
      const element = builderFor((name) => {
        const resolved = resolveSubAttribute(parent, name);
        if (!resolved) throw new Error(`${path} has no sub-attribute ${name}`);
        return resolved;
      });
      return { kind: 'valuePath', path: parent, filter: inner(element) };
    },
  };
}

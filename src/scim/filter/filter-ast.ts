// The typed, schema-resolved filter tree (RFC 7644 §3.4.2.2) that every store compiles to its native query
// and that evaluate() runs in memory. Attribute names are already canonical; literal values are already
// coerced to the attribute's type (dateTime as a normalised ISO 8601 UTC string, e.g. 2024-01-02T03:04:05.000Z).
import type { ResolvedPath } from '../paths/resolved-path';

export type ComparisonOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterValue = string | number | boolean | null;

export type FilterAst =
  | { readonly kind: 'compare'; readonly path: ResolvedPath; readonly op: ComparisonOperator; readonly value: FilterValue }
  | { readonly kind: 'present'; readonly path: ResolvedPath }
  | { readonly kind: 'and'; readonly filters: readonly FilterAst[] }
  | { readonly kind: 'or'; readonly filters: readonly FilterAst[] }
  | { readonly kind: 'not'; readonly filter: FilterAst }
  /**
   * `emails[type eq "work" and value co "@x"]`: `path` is the multi-valued complex attribute; inside `filter`,
   * each path names a sub-attribute of that same attribute, and all must hold for ONE value of it.
   */
  | { readonly kind: 'valuePath'; readonly path: ResolvedPath; readonly filter: FilterAst };

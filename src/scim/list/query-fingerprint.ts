// A canonical text for the parts of a query that decide WHICH rows a page walks and in WHAT order: the filter and the
// sort. RFC 9865 asks the client to repeat every query parameter unchanged with a cursor; a cursor is sealed with
// this text, so that it cannot be replayed with another filter or sort (its position would mean nothing there).
// Attribute names are canonical and literals typed (the FilterAst already holds them so), so two spellings of one
// query (`USERNAME Eq "x"` and `userName eq "x"`) have the same fingerprint.
import type { FilterAst } from '../filter/filter-ast';
import { pathToString, type ResolvedPath } from '../paths/resolved-path';

export interface QueryShape {
  readonly filter?: FilterAst;
  readonly sort?: { readonly path: ResolvedPath; readonly descending: boolean };
}

export function queryFingerprint(query: QueryShape): string {
  const filter = query.filter ? canonicalFilter(query.filter) : '';
  const sort = query.sort ? `${canonicalPath(query.sort.path)} ${query.sort.descending ? 'descending' : 'ascending'}` : '';
  return JSON.stringify([filter, sort]);
}

function canonicalFilter(filter: FilterAst): string {
  switch (filter.kind) {
    case 'compare':
      return `(${filter.op} ${canonicalPath(filter.path)} ${JSON.stringify(filter.value)})`;
    case 'present':
      return `(pr ${canonicalPath(filter.path)})`;
    case 'and':
    case 'or':
      return `(${filter.kind} ${filter.filters.map(canonicalFilter).join(' ')})`;
    case 'not':
      return `(not ${canonicalFilter(filter.filter)})`;
    case 'valuePath':
      return `(where ${canonicalPath(filter.path)} ${canonicalFilter(filter.filter)})`;
  }
}

/** The schema URN too: `id` of the common schema and an extension's `id` must not look alike. */
function canonicalPath(path: ResolvedPath): string {
  return `${path.schemaUrn}|${pathToString(path)}`;
}

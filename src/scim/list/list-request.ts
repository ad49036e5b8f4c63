// Query parameters of a list or search request (RFC 7644 §3.4.2, §3.4.3), normalised once into a ListRequest.
import { scimErrors } from '../errors';
import type { FilterAst } from '../filter/filter-ast';
import { DEFAULT_FILTER_MAX_COST } from '../filter/filter-cost';
import { parseFilter } from '../filter/parse-filter';
import { resolveAttributePath } from '../paths/attribute-path';
import type { ResolvedPath } from '../paths/resolved-path';
import type { ResourceTypeDefinition } from '../schema/attribute';
import { parseAttributeSelection, type AttributeSelection } from '../schema/attribute-selection';
import type { SchemaRegistry } from '../schema/registry';

export interface ListLimits {
  /** RFC 7644 §3.4.2.4 / ServiceProviderConfig filter.maxResults: the largest page served. */
  readonly maxResults: number;
  /** Page size when the client sends no `count`. */
  readonly defaultCount: number;
  readonly filterMaxLength: number;
  readonly filterMaxDepth: number;
  /** The most a filter may cost to evaluate (filter-cost.ts, SCIM_FILTER_MAX_COST). */
  readonly filterMaxCost?: number;
}

/** Raw parameters as they arrive (query string values, or SearchRequest attributes). */
export interface ListParameters {
  readonly filter?: unknown;
  readonly sortBy?: unknown;
  readonly sortOrder?: unknown;
  readonly startIndex?: unknown;
  readonly count?: unknown;
  readonly attributes?: unknown;
  readonly excludedAttributes?: unknown;
  /** RFC 9865: present (even empty) for cursor paging. */
  readonly cursor?: unknown;
}

export interface ListRequest {
  readonly filter?: FilterAst;
  readonly sort?: { readonly path: ResolvedPath; readonly descending: boolean };
  readonly startIndex: number;
  readonly count: number;
  /**
   * RFC 9865: set when the client pages by cursor: "" for the first page, else the `nextCursor` it was given (opened
   * by cursor-codec.ts, which needs the tenant). Undefined for index paging (RFC 7644 §3.4.2.4), the default.
   */
  readonly cursor?: string;
  readonly selection: AttributeSelection;
}

export function parseListRequest(
  registry: SchemaRegistry,
  resourceType: ResourceTypeDefinition,
  params: ListParameters,
  limits: ListLimits,
  /** `uri`: the parameters came in the query string of a GET (RFC 7644 §7.5.2); `body`: a SearchRequest. */
  source: 'uri' | 'body' = 'body',
): ListRequest {
  const filterText = optionalString(params.filter, 'filter');
  const filter =
    filterText === undefined || filterText.trim() === ''
      ? undefined
      : parseFilter(filterText, {
          registry,
          resourceType,
          limits: { maxLength: limits.filterMaxLength, maxDepth: limits.filterMaxDepth, maxCost: limits.filterMaxCost ?? DEFAULT_FILTER_MAX_COST },
          inUri: source === 'uri',
        });
  const cursor = optionalString(params.cursor, 'cursor');
  // The two paging methods answer different questions; a request naming both has no single meaning.
  if (cursor !== undefined && optionalInteger(params.startIndex, 'startIndex') !== undefined) {
    throw scimErrors.invalidValue('Use either startIndex (index paging) or cursor (cursor paging, RFC 9865), not both');
  }
  return {
    filter,
    sort: parseSort(registry, resourceType, params),
    startIndex: parseStartIndex(params.startIndex),
    count: parseCount(params.count, limits),
    ...(cursor !== undefined ? { cursor: cursor.trim() } : {}),
    selection: parseAttributeSelection(registry, resourceType, {
      attributes: stringList(params.attributes, 'attributes'),
      excludedAttributes: stringList(params.excludedAttributes, 'excludedAttributes'),
    }),
  };
}

function parseSort(registry: SchemaRegistry, resourceType: ResourceTypeDefinition, params: ListParameters): ListRequest['sort'] {
  const sortBy = optionalString(params.sortBy, 'sortBy');
  const sortOrder = optionalString(params.sortOrder, 'sortOrder')?.trim().toLowerCase();
  if (sortOrder !== undefined && sortOrder !== '' && sortOrder !== 'ascending' && sortOrder !== 'descending') {
    throw scimErrors.invalidValue(`sortOrder must be "ascending" or "descending", not "${sortOrder}"`);
  }
  if (sortBy === undefined || sortBy.trim() === '') return undefined;
  const path = resolveAttributePath(registry, resourceType, sortBy);
  if (!path) throw scimErrors.invalidValue(`sortBy names an unknown attribute: '${sortBy}'`);
  const leaf = path.subAttribute ?? path.attribute;
  if (leaf.type === 'complex' && !(path.attribute.multiValued && path.subAttribute === undefined)) {
    throw scimErrors.invalidValue(`sortBy must name a simple attribute or sub-attribute, not the complex attribute '${sortBy}'`);
  }
  if (leaf.returned === 'never') throw scimErrors.invalidValue(`Cannot sort by '${sortBy}'`);
  // RFC 7644 §3.4.2.3: sortOrder defaults to ascending.
  return { path, descending: sortOrder === 'descending' };
}

/**
 * The paging of a list that pages by cursor only, as the vendor extensions' lists do (README "Extensions"): RFC 9865
 * `cursor` (absent or empty: the first page) and RFC 7644 §3.4.2.4 `count`, with the same limits as the SCIM lists.
 */
export function parseCursorPaging(params: Pick<ListParameters, 'cursor' | 'count'>, limits: Pick<ListLimits, 'maxResults' | 'defaultCount'>): { cursor: string; count: number } {
  return { cursor: optionalString(params.cursor, 'cursor') ?? '', count: parseCount(params.count, limits) };
}

// RFC 7644 §3.4.2.4: a startIndex below 1 is interpreted as 1.
function parseStartIndex(value: unknown): number {
  const number = optionalInteger(value, 'startIndex');
  return number === undefined || number < 1 ? 1 : number;
}

// RFC 7644 §3.4.2.4: a negative count is interpreted as 0; above the server's maximum, the maximum is served.
function parseCount(value: unknown, limits: Pick<ListLimits, 'maxResults' | 'defaultCount'>): number {
  const number = optionalInteger(value, 'count');
  if (number === undefined) return Math.min(limits.defaultCount, limits.maxResults);
  return Math.min(Math.max(number, 0), limits.maxResults);
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 1) return optionalString(value[0], name);
    throw scimErrors.invalidValue(`Parameter '${name}' was given more than once`);
  }
  if (typeof value !== 'string') throw scimErrors.invalidValue(`Parameter '${name}' must be a string`);
  return value;
}

function optionalInteger(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = typeof value === 'number' ? String(value) : optionalString(value, name);
  if (text === undefined || text.trim() === '') return undefined;
  if (!/^\s*[-+]?\d+\s*$/.test(text)) throw scimErrors.invalidValue(`Parameter '${name}' must be an integer, not "${text}"`);
  return Number.parseInt(text, 10);
}

function stringList(value: unknown, name: string): string | readonly string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw scimErrors.invalidValue(`Parameter '${name}' must be a comma-separated string or a list of strings`);
}

// Filter text (RFC 7644 §3.4.2.2) -> typed, schema-resolved FilterAst.
//
// Three stages: filter-lexer.ts tokenizes (with the client tolerances listed there and positions for errors);
// scim2-parse-filter builds the tree (precedence: not > and > or, grouping, value filters) from a placeholder
// rendering of our tokens, `a<i>` for the attribute token i and the number <i> for the value token i, so its leaves
// point back at our tokens; then each leaf is resolved against the resource type's schemas and its value coerced to
// the attribute's type. Every error is a 400 invalidFilter whose detail names the problem and its position.
//
// Rules decided here:
//   - `+` for spaces: a filter that arrived form-encoded but was URL-decoded with its `+` intact
//     (`userName+eq+"bjensen"`). Only when the text fails to tokenize as written, every `+` OUTSIDE quoted strings is
//     read as a space and the text tried once more; if that fails too, the error of the original text is reported.
//     Quoted values are never altered: `emails.value eq "a+b@example.com"` keeps its plus.
//   - `attr eq null` means "attr is not present" and `attr ne null` means "attr is present", because RFC 7643 §2.5
//     makes unassigned, null and [] the same state. They become `not (attr pr)` and `attr pr`, so that compare nodes
//     never carry null. Other operators with null are rejected.
//   - A multi-valued complex attribute compared directly (`emails eq "x"`, `members eq "id"`) compares its `value`
//     sub-attribute (RFC 7644 §3.4.2.2 lets a filter name a multi-valued attribute's value). Any other complex
//     attribute can only be tested with `pr` or through a sub-attribute.
//   - Value filters `attr[...]` apply to multi-valued complex attributes only; inside them, paths are sub-attribute
//     names of `attr`, resolved relative to it.
//   - Operators by type: strings and references take all; integer, decimal and dateTime take eq/ne/gt/ge/lt/le
//     (co/sw/ew are substring operators, meaningless on numbers and instants); boolean and binary take eq/ne only
//     (RFC 7644 §3.4.2.2 rejects gt/ge/lt/le for them). `pr` applies to every attribute.
//   - Attributes that are never returned or writeOnly (password) cannot be filtered: a filter would reveal them. When
//     the filter came in a URL (GET) and compares such an attribute with a value, that value is a secret in a request
//     URI, which RFC 7644 §7.5.2 answers with 403 "sensitive" rather than 400 invalidFilter.
//   - Nesting depth counts parentheses and value-filter brackets.
//   - A filter costlier than `maxCost` (filter-cost.ts) is refused once it is resolved, before any store sees it.
import { parse as parseFilterStructure, type Filter } from 'scim2-parse-filter';
import { scimErrors } from '../errors';
import { resolveAttributePath, resolveSubAttribute } from '../paths/attribute-path';
import { leafOf, pathToString, type ResolvedPath } from '../paths/resolved-path';
import type { AttributeDefinition, AttributeType, ResourceTypeDefinition } from '../schema/attribute';
import type { SchemaRegistry } from '../schema/registry';
import { normaliseDateTime } from './date-time';
import type { ComparisonOperator, FilterAst, FilterValue } from './filter-ast';
import { assertFilterCost } from './filter-cost';
import { tokenizeFilter, type FilterToken } from './filter-lexer';

export interface FilterLimits {
  readonly maxLength: number;
  readonly maxDepth: number;
  /** The most a filter may cost to evaluate (filter-cost.ts); no limit when absent. */
  readonly maxCost?: number;
}

export const DEFAULT_FILTER_LIMITS: FilterLimits = Object.freeze({ maxLength: 4096, maxDepth: 32 });

export interface FilterContext {
  readonly registry: SchemaRegistry;
  readonly resourceType: ResourceTypeDefinition;
  readonly limits?: FilterLimits;
  /** The filter arrived in a request URI (a GET query), where browsers, proxies and logs keep it (RFC 7644 §7.5.2). */
  readonly inUri?: boolean;
}

type AttributeToken = Extract<FilterToken, { kind: 'attribute' }>;
type OperatorToken = Extract<FilterToken, { kind: 'operator' }>;
type ValueToken = Extract<FilterToken, { kind: 'value' }>;
type ScalarType = Exclude<AttributeType, 'complex'>;

const ALL_OPERATORS: readonly ComparisonOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
const ORDERED_OPERATORS: readonly ComparisonOperator[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];
const EQUALITY_OPERATORS: readonly ComparisonOperator[] = ['eq', 'ne'];
const OPERATORS_BY_TYPE: Readonly<Record<ScalarType, readonly ComparisonOperator[]>> = {
  string: ALL_OPERATORS,
  reference: ALL_OPERATORS,
  integer: ORDERED_OPERATORS,
  decimal: ORDERED_OPERATORS,
  dateTime: ORDERED_OPERATORS,
  boolean: EQUALITY_OPERATORS,
  binary: EQUALITY_OPERATORS,
};

export function parseFilter(text: string, context: FilterContext): FilterAst {
  const limits = context.limits ?? DEFAULT_FILTER_LIMITS;
  if (text.length > limits.maxLength) {
    throw scimErrors.invalidFilter(
      `Filter is ${text.length} characters long; the limit is ${limits.maxLength} (text beyond position ${limits.maxLength})`,
    );
  }
  const tokens = tokenizeTolerantly(text, limits.maxDepth);
  const filter = convert(buildTree(tokens), undefined, { ...context, tokens });
  if (limits.maxCost !== undefined) assertFilterCost(filter, limits.maxCost);
  return filter;
}

function tokenizeTolerantly(text: string, maxDepth: number): FilterToken[] {
  try {
    return tokenizeFilter(text, maxDepth);
  } catch (error) {
    const spaced = plusAsSpaceOutsideStrings(text);
    if (spaced === text) throw error;
    try {
      return tokenizeFilter(spaced, maxDepth);
    } catch {
      throw error;
    }
  }
}

function plusAsSpaceOutsideStrings(text: string): string {
  let result = '';
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (inString && char === '\\') {
      result += char + (text[i + 1] ?? '');
      i += 1;
      continue;
    }
    if (char === '"') inString = !inString;
    result += !inString && char === '+' ? ' ' : char;
  }
  return result;
}

function buildTree(tokens: readonly FilterToken[]): Filter {
  const rendered = tokens
    .map((token, index) => {
      switch (token.kind) {
        case 'attribute':
          return `a${index}`;
        case 'value':
          return String(index);
        case 'operator':
        case 'logical':
          return token.op;
        default:
          return token.kind;
      }
    })
    .join(' ');
  try {
    return parseFilterStructure(rendered);
  } catch (error) {
    // The tokenizer has already checked the grammar, so this is not expected; still a client error, not a 500.
    const first = tokens[0];
    throw scimErrors.invalidFilter(`Malformed filter starting at position ${first ? first.position : 0}`, error);
  }
}

interface Conversion extends FilterContext {
  readonly tokens: readonly FilterToken[];
}

/** `parent` is the multi-valued attribute whose value filter `node` sits in, if any. */
function convert(node: Filter, parent: ResolvedPath | undefined, conversion: Conversion): FilterAst {
  switch (node.op) {
    case 'and':
    case 'or': {
      const kind = node.op;
      const filters = node.filters.flatMap((child) => {
        const converted = convert(child, parent, conversion);
        // (a and b) and c == a and b and c: flatten so that compilers see one level.
        return converted.kind === kind ? converted.filters : [converted];
      });
      return { kind, filters };
    }
    case 'not':
      return { kind: 'not', filter: convert(node.filter, parent, conversion) };
    case '[]': {
      const token = attributeToken(node.attrPath, conversion);
      const path = resolve(token, parent, conversion);
      if (path.subAttribute || path.attribute.type !== 'complex' || !path.attribute.multiValued) {
        throw scimErrors.invalidFilter(
          `Attribute '${pathToString(path)}' at position ${token.position} is not a multi-valued complex attribute, so it cannot take a value filter '[...]'`,
        );
      }
      return { kind: 'valuePath', path, filter: convert(node.valFilter, path, conversion) };
    }
    case 'pr': {
      const token = attributeToken(node.attrPath, conversion);
      return { kind: 'present', path: resolve(token, parent, conversion) };
    }
    default:
      return convertComparison(node.op, node.attrPath, node.compValue, parent, conversion);
  }
}

function convertComparison(
  op: ComparisonOperator,
  attrPath: string,
  compValue: unknown,
  parent: ResolvedPath | undefined,
  conversion: Conversion,
): FilterAst {
  const token = attributeToken(attrPath, conversion);
  // The tokenizer emits an attribute's operator right after it, even in the `].sub op value` rewrite.
  const operator = conversion.tokens[tokenIndex(attrPath) + 1] as OperatorToken;
  const valueToken = typeof compValue === 'number' ? conversion.tokens[compValue] : undefined;
  if (valueToken?.kind !== 'value') throw scimErrors.invalidFilter(`Malformed comparison at position ${token.position}`);
  let path = resolve(token, parent, conversion, valueToken.value !== null);

  if (valueToken.value === null) {
    // RFC 7643 §2.5: null and unassigned are the same state.
    if (op === 'eq') return { kind: 'not', filter: { kind: 'present', path } };
    if (op === 'ne') return { kind: 'present', path };
    throw scimErrors.invalidFilter(`Operator '${operator.text}' at position ${operator.position} cannot compare with null; only eq and ne can`);
  }

  if (leafOf(path).type === 'complex') {
    const valuePath = path.attribute.multiValued && !path.subAttribute ? resolveSubAttribute(path, 'value') : undefined;
    if (!valuePath) {
      throw scimErrors.invalidFilter(
        `Complex attribute '${pathToString(path)}' at position ${token.position} cannot be compared with a value; name one of its sub-attributes or use 'pr'`,
      );
    }
    path = valuePath;
  }

  const leaf = leafOf(path);
  const type = leaf.type as ScalarType;
  if (!OPERATORS_BY_TYPE[type].includes(op)) {
    throw scimErrors.invalidFilter(
      `Operator '${operator.text}' at position ${operator.position} is not allowed for ${type} attribute '${pathToString(path)}'`,
    );
  }
  return { kind: 'compare', path, op, value: coerceValue(leaf, valueToken, path) };
}

/** `a12` -> 12: the index of the attribute token a placeholder stands for (NaN for anything else). */
function tokenIndex(placeholder: string): number {
  return /^a\d+$/.test(placeholder) ? Number(placeholder.slice(1)) : NaN;
}

function attributeToken(placeholder: string, conversion: Conversion): AttributeToken {
  const token = conversion.tokens[tokenIndex(placeholder)];
  if (token?.kind !== 'attribute') throw scimErrors.invalidFilter(`Malformed filter: unexpected '${placeholder}'`);
  return token;
}

/** `comparedWithValue`: the path is compared with a value (not `pr`, not null), which a URI would then carry. */
function resolve(token: AttributeToken, parent: ResolvedPath | undefined, conversion: Conversion, comparedWithValue = false): ResolvedPath {
  const path = parent
    ? resolveSubAttribute(parent, token.text)
    : resolveAttributePath(conversion.registry, conversion.resourceType, token.text);
  if (!path) {
    const where = parent ? ` (no sub-attribute of '${pathToString(parent)}' has that name)` : '';
    throw scimErrors.invalidFilter(`Unknown attribute '${token.text}' in filter at position ${token.position}${where}`);
  }
  if ([path.attribute, path.subAttribute].some((definition) => definition !== undefined && isHidden(definition))) {
    if (comparedWithValue && conversion.inUri) {
      throw scimErrors.sensitive(
        `The filter compares '${pathToString(path)}' (position ${token.position}) with a value in the request URL, where it would be kept in logs (RFC 7644 §7.5.2); ` +
          'that attribute is never returned and cannot be filtered on',
      );
    }
    throw scimErrors.invalidFilter(
      `Attribute '${pathToString(path)}' at position ${token.position} cannot be used in a filter: it is never returned`,
    );
  }
  return path;
}

function isHidden(definition: AttributeDefinition): boolean {
  return definition.returned === 'never' || definition.mutability === 'writeOnly';
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Coerces a literal to the attribute's type (RFC 7643 §2.3); throws invalidFilter when it cannot be. */
function coerceValue(leaf: AttributeDefinition, token: ValueToken, path: ResolvedPath): FilterValue {
  const { value } = token;
  // An unquoted value keeps its source text, so `externalId eq 00123` compares "00123", not 123.
  const text = typeof value === 'string' ? value : token.raw;
  const invalid = () =>
    scimErrors.invalidFilter(
      `Value '${token.raw}' at position ${token.position} is not a valid ${leaf.type} for attribute '${pathToString(path)}'`,
    );

  switch (leaf.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      // Entra ID sends "True"/"False" as strings for boolean attributes.
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
      throw invalid();
    case 'integer': {
      const number = typeof value === 'number' ? value : typeof value === 'string' && INTEGER_TEXT.test(value.trim()) ? Number(value) : NaN;
      if (!Number.isSafeInteger(number)) throw invalid();
      return number;
    }
    case 'decimal': {
      const number = typeof value === 'number' ? value : typeof value === 'string' && DECIMAL_TEXT.test(value.trim()) ? Number(value) : NaN;
      if (!Number.isFinite(number)) throw invalid();
      return number;
    }
    case 'dateTime': {
      const normalised = typeof value === 'boolean' ? undefined : normaliseDateTime(text);
      if (normalised === undefined) throw invalid();
      return normalised;
    }
    default:
      // string, reference, binary
      return text;
  }
}

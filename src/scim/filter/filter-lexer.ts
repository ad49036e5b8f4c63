// The filter tokenizer (RFC 7644 §3.4.2.2). It reads the text the way real clients write it, records where each
// token starts, and reports the first syntax error with its position. The tree itself (precedence and grouping)
// is built from these tokens by scim2-parse-filter in parse-filter.ts.
//
// Tolerances beyond the RFC grammar, all seen from Entra ID and Okta provisioning clients and test suites:
//   - operators, `and`/`or`/`not` and `true`/`false`/`null` in any case (`userName EQ "x"`, `True`);
//   - unquoted values: everything after an operator up to whitespace, `)`, `]` or `"` is the value
//     (`userName sw O`, `meta.created gt 2015-10-10T14:38:21.8617979-07:00`, `userName eq test@example.com`).
//     An unquoted value that is a JSON number, true, false or null is read as that literal, and keeps its source
//     text so that a string attribute can still take it as a string (`externalId eq 00123`);
//   - no space is needed before a quoted value (`userName eq"x"`);
//   - `not` may be followed by an attribute expression without parentheses (`not title pr`);
//   - `emails[type eq "work"].value eq "x"` (the PATCH path form, RFC 7644 §3.5.2) is read as
//     `emails[(type eq "work") and value eq "x"]`: the trailing comparison applies to the SAME element.
// Quoted strings are JSON strings (RFC 7644 §3.4.2.2: compValue is a JSON string), escapes included.
import type { ComparisonOperator } from './filter-ast';
import { scimErrors } from '../errors';

export type FilterToken =
  | { readonly kind: '(' | ')' | '[' | ']' | 'not'; readonly position: number }
  | { readonly kind: 'logical'; readonly op: 'and' | 'or'; readonly position: number }
  | { readonly kind: 'attribute'; readonly text: string; readonly position: number }
  | { readonly kind: 'operator'; readonly op: ComparisonOperator | 'pr'; readonly text: string; readonly position: number }
  | {
      readonly kind: 'value';
      readonly value: string | number | boolean | null;
      /** The text as written for an unquoted value; the decoded string for a quoted one. */
      readonly raw: string;
      readonly quoted: boolean;
      readonly position: number;
      /** Where the value's text ends (after the closing quote of a quoted one). */
      readonly end: number;
    };

const OPERATORS: ReadonlySet<string> = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr']);
/** attrPath = [URI ":"] ATTRNAME *1subAttr (RFC 7644 §3.10); the URN part brings digits, dots and colons. */
const ATTRIBUTE_PATH = /^[A-Za-z_$][\w$.:-]*$/;
const ATTRIBUTE_NAME = /^[A-Za-z_$][\w$-]*$/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const DELIMITERS = new Set(['(', ')', '[', ']', '"']);

type State = 'operand' | 'operator' | 'value' | 'after';
interface Group {
  readonly kind: '(' | '[' | 'synthetic';
  readonly position: number;
  readonly tokenIndex: number;
}

/**
 * Splits a filter into tokens. `maxDepth` bounds the nesting of parentheses and value-filter brackets, so that a
 * hostile filter cannot drive the recursive parser deep.
 */
export function tokenizeFilter(text: string, maxDepth: number): FilterToken[] {
  const tokens: FilterToken[] = [];
  const groups: Group[] = [];
  let state = 'operand' as State; // `as`: closures below assign it too
  let afterNot = false;
  let pos = 0;

  const fail = (message: string): never => {
    throw scimErrors.invalidFilter(message);
  };
  const describe = (at: number): string => (at >= text.length ? 'the end of the filter' : quote(readWord(text, at) || text[at]));
  const insideValueFilter = (): boolean => groups.some((group) => group.kind !== '(');
  const open = (kind: '(' | '[', at: number): void => {
    if (groups.length + 1 > maxDepth) fail(`Filter is nested deeper than ${maxDepth} level${maxDepth === 1 ? '' : 's'} at position ${at}`);
    groups.push({ kind, position: at, tokenIndex: tokens.length });
    tokens.push({ kind, position: at });
  };
  // An attribute expression just ended: close a bracket that the `].sub` rewrite opened on the client's behalf.
  const endExpression = (): void => {
    state = 'after';
    const top = groups[groups.length - 1];
    if (top?.kind === 'synthetic') {
      groups.pop();
      tokens.push({ kind: ']', position: top.position });
    }
  };

  for (;;) {
    while (pos < text.length && /\s/.test(text[pos])) pos += 1;
    const start = pos;
    const char = text[pos];

    if (pos >= text.length) {
      if (state === 'after') break;
      if (tokens.length === 0) fail('Filter is empty');
      fail(
        state === 'value'
          ? `Expected a value at position ${start}, found the end of the filter`
          : state === 'operator'
            ? `Expected an operator at position ${start}, found the end of the filter`
            : `Expected an attribute path at position ${start}, found the end of the filter`,
      );
    }

    switch (state) {
      case 'operand': {
        if (char === '(') {
          open('(', start);
          pos += 1;
          afterNot = false;
          break;
        }
        const word = readWord(text, pos);
        if (!word) fail(`Expected an attribute path at position ${start}, found ${describe(start)}`);
        if (word.toLowerCase() === 'not') {
          if (afterNot) fail(`Expected '(' or an attribute path after 'not' at position ${start}`);
          tokens.push({ kind: 'not', position: start });
          afterNot = true;
          pos += word.length;
          break;
        }
        if (!ATTRIBUTE_PATH.test(word)) fail(`Expected an attribute path at position ${start}, found ${quote(word)}`);
        tokens.push({ kind: 'attribute', text: word, position: start });
        pos += word.length;
        afterNot = false;
        state = 'operator';
        break;
      }

      case 'operator': {
        if (char === '[') {
          if (insideValueFilter()) fail(`Value filters cannot be nested: unexpected '[' at position ${start}`);
          open('[', start);
          pos += 1;
          state = 'operand';
          break;
        }
        const word = readWord(text, pos);
        const op = word.toLowerCase();
        if (!OPERATORS.has(op)) fail(`Expected an operator at position ${start}, found ${describe(start)}`);
        tokens.push({ kind: 'operator', op: op as ComparisonOperator | 'pr', text: word, position: start });
        pos += word.length;
        if (op === 'pr') endExpression();
        else state = 'value';
        break;
      }

      case 'value': {
        if (char === '"') {
          const { value, end } = readQuoted(text, start);
          tokens.push({ kind: 'value', value, raw: value, quoted: true, position: start, end });
          pos = end;
        } else {
          const word = readWord(text, pos);
          if (!word) fail(`Expected a value at position ${start}, found ${describe(start)}`);
          tokens.push({ kind: 'value', value: bareValue(word), raw: word, quoted: false, position: start, end: pos + word.length });
          pos += word.length;
        }
        endExpression();
        break;
      }

      case 'after': {
        if (char === ')' || char === ']') {
          const top = groups[groups.length - 1];
          if (top?.kind !== (char === ')' ? '(' : '[')) fail(`Unexpected '${char}' at position ${start}`);
          groups.pop();
          tokens.push({ kind: char, position: start });
          pos += 1;
          if (char === ']' && text[pos] === '.') pos = rewriteTrailingSubAttribute(top as Group, pos);
          break;
        }
        const word = readWord(text, pos);
        const op = word.toLowerCase();
        if (op !== 'and' && op !== 'or') fail(`Expected 'and', 'or' or the end of the filter at position ${start}, found ${describe(start)}`);
        tokens.push({ kind: 'logical', op: op as 'and' | 'or', position: start });
        pos += word.length;
        state = 'operand';
        break;
      }
    }
  }

  const unclosed = groups[groups.length - 1];
  if (unclosed) fail(`Missing '${unclosed.kind === '(' ? ')' : ']'}' for the '${unclosed.kind}' at position ${unclosed.position}`);
  return tokens;

  // `attr[filter].sub op value`: re-emit as `attr[(filter) and sub op value]`. `dot` is the position of the '.'.
  function rewriteTrailingSubAttribute(bracket: Group, dot: number): number {
    const name = readWord(text, dot + 1);
    if (!ATTRIBUTE_NAME.test(name)) fail(`Expected a sub-attribute name after '].' at position ${dot + 1}`);
    const close = tokens.pop() as FilterToken;
    tokens.splice(bracket.tokenIndex + 1, 0, { kind: '(', position: bracket.position });
    tokens.push({ kind: ')', position: close.position }, { kind: 'logical', op: 'and', position: close.position });
    tokens.push({ kind: 'attribute', text: name, position: dot + 1 });
    groups.push({ kind: 'synthetic', position: close.position, tokenIndex: tokens.length - 1 });
    state = 'operator';
    return dot + 1 + name.length;
  }
}

/** Quotes offending text for an error detail, shortened so that a long filter is not echoed whole. */
function quote(text: string): string {
  return text.length > 40 ? `'${text.slice(0, 40)}…'` : `'${text}'`;
}

/** A run of characters up to whitespace or a delimiter. */
function readWord(text: string, from: number): string {
  let end = from;
  while (end < text.length && !DELIMITERS.has(text[end]) && !/\s/.test(text[end])) end += 1;
  return text.slice(from, end);
}

function bareValue(word: string): string | number | boolean | null {
  const lower = word.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (JSON_NUMBER.test(word)) return Number(word);
  return word;
}

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Reads a JSON string starting at the opening quote; returns the decoded value and the index after the quote. */
function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  let pos = start + 1;
  while (pos < text.length) {
    const char = text[pos];
    if (char === '"') return { value, end: pos + 1 };
    if (char !== '\\') {
      value += char;
      pos += 1;
      continue;
    }
    const escape = text[pos + 1];
    if (escape === 'u') {
      const hex = text.slice(pos + 2, pos + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw scimErrors.invalidFilter(`Invalid \\u escape in string at position ${pos}`);
      value += String.fromCharCode(parseInt(hex, 16));
      pos += 6;
      continue;
    }
    const decoded = escape === undefined ? undefined : ESCAPES[escape];
    if (decoded === undefined) throw scimErrors.invalidFilter(`Invalid escape '\\${escape ?? ''}' in string at position ${pos}`);
    value += decoded;
    pos += 2;
  }
  throw scimErrors.invalidFilter(`Unterminated string starting at position ${start}`);
}

// Sort keys kept in each resource document for the sorts identity providers and consoles ask for (README
// "Querying"): `o.<field>` holds, per keyed path, ONE string whose binary order is the list order of RFC 7644
// §3.4.2.3 as list-query.ts defines it, id included, so that a page sorted by such a path is one range scan of an
// index { tenantId, resourceType, o.<field> } in either direction, and a keyset page starts with the condition
// `o.<field> > key-of-the-last-row` (no computed key per document, no in-memory sort).
//
// The key is `<flag><value>\0\0<id>`:
//   - flag "0" for a present string value, "1" for a missing one (absent, null or "", RFC 7643 §2.5): missing values
//     sort last ascending and first descending;
//   - the value as the search document holds it (caseExact=false strings folded), each NUL written as "\0\1", so that
//     the separator "\0\0" sorts below any continuation of a value and a shorter value sorts before a longer one that
//     extends it (code-point order, MongoDB's simple binary comparison of UTF-8);
//   - the id breaks ties in the sort direction.
// A value of another type than string (stored by a client against the schema; the search document wraps it under
// "!") has no order among strings and sorts as missing. The keys are derived data (resource-document.ts): written by
// every create and replace, and by the rebuild after the derivation changes (mongo-store.ts DERIVATION_FORMAT).
import type { AttributeSlot, ResourceModel } from '../model/resource-model';
import { fieldName } from './field-name';

/** The paths with a kept sort key: those consoles and identity providers sort by (meta.lastModified has its own field). */
export const KEYED_SORT_PATHS: readonly string[] = ['userName', 'name.familyName'];

/** The sub-document of the keys. */
export const SORT_KEYS = 'o';

const PRESENT = '0';
const MISSING = '1';
const SEPARATOR = '\u0000\u0000';

export interface KeyedSort {
  /** Canonical path, e.g. `name.familyName`. */
  readonly path: string;
  /** `o.<field>`. */
  readonly field: string;
  readonly slot: AttributeSlot;
  readonly subAttribute?: string;
}

/** The keyed sorts a resource type has: the paths of KEYED_SORT_PATHS its core schema holds as strings. */
export function keyedSortsOf(model: ResourceModel): KeyedSort[] {
  const keyed: KeyedSort[] = [];
  for (const path of KEYED_SORT_PATHS) {
    const [name, subName] = path.split('.');
    const slot = model.slots.find((candidate) => candidate.part === 'document' && candidate.extension === undefined && candidate.key.toLowerCase() === name.toLowerCase());
    if (!slot) continue;
    const sub = subName === undefined ? undefined : slot.definition.subAttributes?.find((candidate) => candidate.name.toLowerCase() === subName.toLowerCase());
    if (subName !== undefined && !sub) continue;
    if ((sub ?? slot.definition).type !== 'string') continue;
    keyed.push({ path, field: `${SORT_KEYS}.${fieldName(path)}`, slot, ...(sub ? { subAttribute: sub.name } : {}) });
  }
  return keyed;
}

/** The keyed sort of a slot and sub-attribute, when there is one. */
export function keyedSortOf(model: ResourceModel, slot: AttributeSlot, subAttribute: string | undefined): KeyedSort | undefined {
  return keyedSortsOf(model).find((keyed) => keyed.slot.key === slot.key && keyed.slot.part === slot.part && keyed.subAttribute === subAttribute);
}

/** The key of a row from its sort value (a string, or null when missing) and id: what a keyset position seals. */
export function sortKeyOf(value: unknown, id: string): string {
  if (typeof value !== 'string' || value === '') return `${MISSING}${SEPARATOR}${id}`;
  return `${PRESENT}${value.replaceAll('\u0000', '\u0000\u0001')}${SEPARATOR}${id}`;
}

/** The sort value a key was made from (null when missing): the inverse of sortKeyOf for the value. */
export function sortValueOfKey(key: string): string | null {
  if (!key.startsWith(PRESENT)) return null;
  return key.slice(1, firstSeparator(key)).replaceAll('\u0000\u0001', '\u0000');
}

/** Where the value of a key ends: the first "\0\0" (an escaped NUL is "\0\1"). */
function firstSeparator(key: string): number {
  for (let at = 1; at < key.length - 1; at++) {
    if (key[at] === '\u0000') {
      if (key[at + 1] === '\u0000') return at;
      at++;
    }
  }
  return key.length;
}

/** `o`: the key of every keyed path of the type, from the search document `s` as resource-document.ts derives it. */
export function deriveSortKeys(model: ResourceModel, s: Readonly<Record<string, unknown[]>>, id: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const keyed of keyedSortsOf(model)) {
    // The first element is the primary one, else the first (the search document puts the primary first).
    const first = s[fieldName(keyed.slot.key)]?.[0];
    const value = keyed.subAttribute === undefined ? first : isObject(first) ? (first[keyed.subAttribute] as unknown[] | undefined)?.[0] : undefined;
    keys[fieldName(keyed.path)] = sortKeyOf(value, id);
  }
  return keys;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The search document: a second JSON form of a resource's attributes, derived at write time from the registry, that
// filters and sorts read instead of the stored attributes. Both stores derive it with this code (the MongoDB store
// adds field-name encoding and presence lists on top, ../mongo/resource-document.ts). It settles, once per write, everything that would
// otherwise need per-row code at query time (the rules are those of src/scim/filter/evaluate-filter.ts):
//
//   - keys are canonical: `{ "<attr>": [...], "<extension URN>:<attr>": [...] }`, whatever case the stored keys use;
//   - every attribute holds a LIST (a singular value becomes a one-element list; nulls are dropped), so one query shape
//     (SQLite's json_each over the key, a MongoDB array match) serves singular and multi-valued attributes alike;
//   - complex values are objects whose sub-attributes are lists too: `"emails": [{"value": ["a@x"], "type": ["work"]}]`,
//     and the element marked `primary` comes first, so that element 0 of `emails` is the value to sort by
//     (RFC 7644 §3.4.2.3);
//   - strings with caseExact=false are folded with foldCase() (RFC 7643 §2.2), so a store compares them by code point
//     like the evaluator (SQLite's BINARY collation, MongoDB's simple binary comparison);
//   - dateTime values are normalised to ISO 8601 UTC with milliseconds, so text order is instant order;
//   - a value that can never match a comparison but still counts as present (an invalid dateTime, a complex value
//     that is not an object, members of a complex value that no sub-attribute reads) is kept under the key "!":
//     comparisons look only at the sub-attributes' scalars of the right JSON type, and `pr` finds what is inside.
// The indexed values of the model's indexed paths (SQLite's resource_values rows, MongoDB's `u`) come from the same
// normalised values.
import { normaliseDateTime } from '../../scim/filter/date-time';
import type { AttributeDefinition, ScimAttributes } from '../../scim/schema/attribute';
import { createKeyLookup, type KeyLookup } from '../../scim/paths/case-insensitive-key';
import { foldCase } from '../../scim/schema/fold-case';
import type { AttributeSlot, ResourceModel, StoragePart } from './resource-model';

/** Key of the wrapper for values that are present but match no comparison. */
export const UNMATCHABLE = '!';

export interface IndexedValue {
  readonly path: string;
  readonly value: string;
  /** True for values that the unique index checks (never for ""; RFC 7643 §2.5: empty is unassigned). */
  readonly unique: boolean;
}

export interface DerivedData {
  /** The search document as JSON text. */
  readonly search: string;
  readonly values: readonly IndexedValue[];
}

type SearchDocument = Record<string, unknown[]>;

/**
 * The search document and indexed values of one storage part (resource-model.ts StoragePart): of `document`, from the
 * attributes a SCIM write stores; of `unversioned`, from the unversioned attributes (unversionedAttributesOf). Each
 * part reads only its own slots, so the attributes of the other part are never mistaken for its own.
 */
export function deriveSearchData(model: ResourceModel, attributes: ScimAttributes, part: StoragePart = 'document'): DerivedData {
  // One lookup per derivation: it indexes each object's keys once, and the attributes do not change meanwhile.
  const keys = createKeyLookup();
  const document: SearchDocument = {};
  for (const slot of model.slots) {
    if (slot.part !== part) continue;
    const items = slotItems(keys, slot, attributes);
    if (items.length > 0) document[slot.key] = items;
  }

  const values: IndexedValue[] = [];
  for (const indexed of model.indexedPaths) {
    if (indexed.slot.part !== part) continue;
    const items = document[indexed.slot.key] ?? [];
    const leaves = indexed.subAttribute
      ? items.flatMap((element) => (isPlainObject(element) ? ((element[indexed.subAttribute!.name] as unknown[] | undefined) ?? []) : []))
      : items;
    const distinct = new Set(leaves.filter((leaf): leaf is string => typeof leaf === 'string'));
    for (const value of distinct) values.push({ path: indexed.path, value, unique: indexed.unique && value !== '' });
  }
  return { search: JSON.stringify(document), values };
}

function slotItems(keys: KeyLookup, slot: AttributeSlot, attributes: ScimAttributes): unknown[] {
  const container = slot.extension === undefined ? attributes : keys.get(attributes, slot.extension);
  const items = asList(keys.get(container, slot.definition.name));
  const { definition } = slot;
  if (definition.type !== 'complex') return items.map((item) => normaliseLeaf(definition, item));
  const elements = items.map((item) => normaliseElement(keys, definition, item));
  // The primary element first (RFC 7644 §3.4.2.3 sorts a multi-valued attribute by its primary value); the order
  // of the others is kept. Element order means nothing to a filter.
  const primary = elements.findIndex((element) => isPlainObject(element) && Array.isArray(element.primary) && element.primary[0] === true);
  if (primary > 0) elements.unshift(...elements.splice(primary, 1));
  return elements;
}

function normaliseElement(keys: KeyLookup, definition: AttributeDefinition, element: unknown): unknown {
  if (!isPlainObject(element)) return { [UNMATCHABLE]: element };
  const normalised: Record<string, unknown> = {};
  const used = new Set<string>();
  for (const sub of definition.subAttributes ?? []) {
    const key = keys.findKey(element, sub.name);
    if (key === undefined) continue;
    used.add(key);
    const values = asList(element[key]).map((value) => normaliseLeaf(sub, value));
    if (values.length > 0) normalised[sub.name] = values;
  }
  // Members no sub-attribute reads (undeclared, or a second spelling of a name) still make the value present.
  const rest = Object.keys(element).filter((key) => !used.has(key));
  if (rest.length > 0) normalised[UNMATCHABLE] = Object.fromEntries(rest.map((key) => [key, element[key]]));
  return normalised;
}

function normaliseLeaf(definition: AttributeDefinition, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  switch (definition.type) {
    case 'string':
    case 'reference':
      return definition.caseExact ? value : foldCase(value);
    case 'dateTime': {
      // "" is unassigned (RFC 7643 §2.5): not present, and no instant.
      if (value === '') return null;
      return normaliseDateTime(value) ?? { [UNMATCHABLE]: value };
    }
    default:
      // binary is compared exactly; a string in a number or boolean attribute stays a string and so matches nothing.
      return value;
  }
}

/** RFC 7643 §2.5: unassigned and null are one state; a single value where a list is expected is a one-element list. */
function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.filter((item) => item !== undefined && item !== null) : [value];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The shape of one resource in the `resources` collection, and how it is derived from a resource.
//
//   { tenantId, resourceType, id, version, created, lastModified,
//     data:     the SCIM attributes as JSON text, exactly as given,
//     internal: server-side state as JSON text,
//     unversioned, unversionedRevision: state that changes without a SCIM write (updateInternal), as JSON text, and
//                  its compare-and-set revision (both absent on documents written before they existed: {} at 0),
//     s: { <field>: [...] },   the search document: what filters and sorts read,
//     p: [ "<key>", "<key>.<sub>" ],  the attributes and sub-attributes that are present (RFC 7643 §2.5),
//     u: { <field>: [...] },   the values that unique indexes check,
//     m: "<model>",            the schema model that derived s, p and u (model-generations.ts)
//     us, up: the search document and presence list of the unversioned attributes (`x-unversioned` in a schema),
//             written by updateInternal (and the model's rebuild) only, as `s` and `p` are by create and replace;
//             absent until then,
//     pending: [ { id, stamp, change } ] }  membership changes recorded with a write, until settled (membership-store.ts)
//
// The search document is the one both stores derive (../model/search-document.ts): canonical keys, every attribute a
// list, caseExact=false strings folded with foldCase(), dateTime values normalised to ISO 8601 UTC with milliseconds
// (so that text order is instant order), the primary element first, and values that can never match a comparison
// wrapped under "!". Both stores derive it from the same code, so they answer every filter alike. On top of it:
//   - keys become field names that MongoDB can address (fieldName()): extension URNs contain "." (`…:2.0:User`),
//     which a query path would read as a sub-document;
//   - every complex element gets `?`, the names of its present sub-attributes (and "!" when the element itself is
//     present), and the document gets `p`: presence
//     ("not null, not empty, not []", recursively) cannot be expressed with MongoDB's query operators, so it is
//     settled at write time and `pr` becomes an equality on a precomputed list;
//   - `u` holds, per unique path, the folded non-empty values (RFC 7643 §2.5: "" is unassigned, so never taken);
//     a partial unique index per path makes a duplicate fail the write itself (E11000), without a transaction.
//
// The attributes are kept as JSON text rather than as a BSON sub-document: SCIM attribute keys include extension
// URNs with "." and clients may send any key; MongoDB (before 5.0, and DocumentDB/Cosmos DB today) refuses such
// field names, and the stored form must give back exactly what was written. Nothing queries `data`.
import type { ScimAttributes } from '../../scim/schema/attribute';
import type { PendingChange } from '../membership-store';
import { EMPTY_UNVERSIONED, unversionedAttributesOf, type StoredResource } from '../resource-store';
import type { AttributeSlot, IndexedPath, ResourceModel, StoragePart } from '../model/resource-model';
import { deriveSearchData, UNMATCHABLE } from '../model/search-document';
import { fieldName } from './field-name';
import { deriveSortKeys } from './sort-keys';
import { deriveTrigrams } from './trigrams';

export { fieldName };

/** Key of the list of present sub-attributes in a complex element of the search document. */
export const PRESENT_SUBS = '?';
/** Entry of that list for "the element itself is present"; never a sub-attribute name (RFC 7643 §2.1 ATTRNAME). */
export const ELEMENT_PRESENT = '!';

export interface ResourceDocument {
  readonly tenantId: string;
  readonly resourceType: string;
  readonly id: string;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
  readonly data: string;
  readonly internal: string;
  /** Absent on documents written before it existed: read as EMPTY_UNVERSIONED. */
  readonly unversioned?: string;
  readonly unversionedRevision?: number;
  readonly s: Record<string, unknown[]>;
  readonly p: string[];
  readonly u: Record<string, string[]>;
  /** Sort keys of the keyed sort paths (sort-keys.ts); absent on documents written before they were kept. */
  readonly o?: Record<string, string>;
  /** The three-character pieces of the indexed attributes' values (trigrams.ts), for `co` and `ew`. */
  readonly g?: Record<string, string[]>;
  /** The schema model that derived s, p and u (model-generations.ts); absent on documents written before it was kept. */
  readonly m?: string;
  /** Absent until the first updateInternal: no unversioned attribute is present. */
  readonly us?: Record<string, unknown[]>;
  readonly up?: string[];
  /** Absent, or empty once every change recorded here has been applied. */
  readonly pending?: PendingChange[];
}

/** The fields a write sets from the attributes (everything but identity, version and timestamps). */
export type DerivedFields = Required<Pick<ResourceDocument, 's' | 'p' | 'u' | 'o' | 'g'>>;

/** The fields updateInternal sets from the unversioned attributes. */
export type UnversionedFields = Required<Pick<ResourceDocument, 'us' | 'up'>>;

/** Search document and presence list of each storage part (resource-model.ts StoragePart). */
const PART_FIELDS: Readonly<Record<StoragePart, { readonly search: string; readonly presence: string }>> = {
  document: { search: 's', presence: 'p' },
  unversioned: { search: 'us', presence: 'up' },
};

/** The field of a slot in the search document of its part, e.g. `s.userName`. */
export function slotField(slot: AttributeSlot): string {
  return `${PART_FIELDS[slot.part].search}.${fieldName(slot.key)}`;
}

/** The presence list that says whether a slot is present: `p`, or `up` for unversioned attributes. */
export function presenceField(slot: AttributeSlot): string {
  return PART_FIELDS[slot.part].presence;
}

/** The entry of `p` that says a slot (or one of its sub-attributes) is present. */
export function presenceKey(slot: AttributeSlot, subName?: string): string {
  return subName === undefined ? slot.key : `${slot.key}.${subName}`;
}

/** The field of a unique path's values in `u`, e.g. `u.userName`. */
export function uniqueField(indexed: IndexedPath): string {
  return `u.${fieldName(indexed.path)}`;
}

/** The derived fields of resource `id` (its id is part of its sort keys). */
export function deriveFields(model: ResourceModel, attributes: ScimAttributes, id: string): DerivedFields {
  const derived = deriveSearchData(model, attributes);
  const { s, p } = searchAndPresence(model, derived.search, 'document');
  return { s, p, u: uniqueValues(model, derived.values), o: deriveSortKeys(model, s, id), g: deriveTrigrams(model, derived.values) };
}

/** `us` and `up` from unversioned values (their UNVERSIONED_ATTRIBUTES). */
export function deriveUnversionedFields(model: ResourceModel, values: Readonly<Record<string, unknown>>): UnversionedFields {
  const derived = deriveSearchData(model, unversionedAttributesOf(values), 'unversioned');
  const { s, p } = searchAndPresence(model, derived.search, 'unversioned');
  return { us: s, up: p };
}

function searchAndPresence(model: ResourceModel, searchText: string, part: StoragePart): { s: Record<string, unknown[]>; p: string[] } {
  const search = JSON.parse(searchText) as Record<string, unknown[]>;
  const s: Record<string, unknown[]> = {};
  const p: string[] = [];
  for (const slot of model.slots) {
    if (slot.part !== part) continue;
    const items = search[slot.key];
    if (items === undefined) continue;
    if (items.some(isPresent)) p.push(presenceKey(slot));
    if (slot.definition.type === 'complex') {
      for (const sub of slot.definition.subAttributes ?? []) {
        if (items.some((element) => subIsPresent(element, sub.name))) p.push(presenceKey(slot, sub.name));
      }
      s[fieldName(slot.key)] = items.map(withPresentSubs).map(storableKeys) as unknown[];
    } else {
      s[fieldName(slot.key)] = items.map(storableKeys) as unknown[];
    }
  }
  return { s, p };
}

function uniqueValues(model: ResourceModel, values: ReturnType<typeof deriveSearchData>['values']): Record<string, string[]> {
  const u: Record<string, string[]> = {};
  for (const entry of values) {
    if (!entry.unique) continue;
    const indexed = model.indexedPaths.find((candidate) => candidate.path === entry.path);
    if (!indexed) continue;
    const field = fieldName(indexed.path);
    (u[field] ??= []).push(entry.value);
  }
  return u;
}

export function toResourceDocument(
  tenantId: string,
  model: ResourceModel,
  resource: Omit<StoredResource, 'attributes' | 'internal' | 'unversioned'> & { readonly attributes: ScimAttributes; readonly internal: Readonly<Record<string, unknown>> },
): ResourceDocument {
  return {
    tenantId,
    resourceType: resource.resourceType,
    id: resource.id,
    version: resource.version,
    created: resource.created,
    lastModified: resource.lastModified,
    data: JSON.stringify(resource.attributes),
    internal: JSON.stringify(resource.internal),
    unversioned: JSON.stringify(EMPTY_UNVERSIONED.values),
    unversionedRevision: EMPTY_UNVERSIONED.revision,
    ...deriveFields(model, resource.attributes, resource.id),
    ...(resource.pending && resource.pending.length > 0 ? { pending: [...resource.pending] } : {}),
  };
}

/** The fields read back to build a StoredResource (the derived ones are never sent to the client). */
export const STORED_PROJECTION = {
  _id: 0,
  resourceType: 1,
  id: 1,
  version: 1,
  created: 1,
  lastModified: 1,
  data: 1,
  internal: 1,
  unversioned: 1,
  unversionedRevision: 1,
  pending: 1,
} as const;

export type StoredFields = Pick<
  ResourceDocument,
  'resourceType' | 'id' | 'version' | 'created' | 'lastModified' | 'data' | 'internal' | 'unversioned' | 'unversionedRevision' | 'pending'
>;

export function fromResourceDocument(document: StoredFields): StoredResource {
  const pending = document.pending ?? [];
  return {
    resourceType: document.resourceType,
    id: document.id,
    version: document.version,
    created: document.created,
    lastModified: document.lastModified,
    attributes: JSON.parse(document.data) as StoredResource['attributes'],
    internal: JSON.parse(document.internal) as StoredResource['internal'],
    unversioned:
      document.unversioned === undefined
        ? EMPTY_UNVERSIONED
        : { revision: document.unversionedRevision ?? 0, values: JSON.parse(document.unversioned) as StoredResource['unversioned']['values'] },
    ...(pending.length > 0 ? { pending } : {}),
  };
}

/**
 * Adds `?`: the present sub-attributes, and ELEMENT_PRESENT when the element as a whole is present (which an
 * undeclared member alone can make it, RFC 7643 §2.5).
 */
function withPresentSubs(element: unknown): unknown {
  if (!isPlainObject(element)) return element;
  const present = Object.keys(element).filter((key) => key !== UNMATCHABLE && subIsPresent(element, key));
  if (isPresent(element)) present.push(ELEMENT_PRESENT);
  return present.length > 0 ? { ...element, [PRESENT_SUBS]: present } : element;
}

/**
 * Client-sent objects reach the search document where no sub-attribute reads them (under "!", or a value of the wrong
 * type), with whatever keys the client chose. Such values are never compared and their presence is already in `p`
 * and `?`, so a key MongoDB cannot store everywhere (a "." or a leading "$": refused before 5.0 and by some
 * compatible services) is stored encoded instead.
 */
function storableKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(storableKeys);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [isStorableKey(key) ? key : `_${fieldName(key)}`, storableKeys(inner)]));
}

function isStorableKey(key: string): boolean {
  return key !== '' && !key.startsWith('$') && !key.includes('.') && !key.includes('\u0000');
}

function subIsPresent(element: unknown, subName: string): boolean {
  if (!isPlainObject(element)) return false;
  const values = element[subName];
  return Array.isArray(values) && values.some(isPresent);
}

/** RFC 7643 §2.5: unassigned, null, "" and [] are one state; a complex value is present when a member is. */
export function isPresent(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return false;
  if (Array.isArray(value)) return value.some(isPresent);
  if (typeof value === 'object') return Object.values(value).some(isPresent);
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// What every store derives from the schema registry for each resource type: which attributes go into the search
// document (search-document.ts), how each is keyed there, and which paths get indexed values (the SQLite store's
// `resource_values` rows, the MongoDB store's index fields; unique ones under a unique index). Shared by both stores,
// so that they answer every filter alike; it knows no database. Nothing here is written per attribute by hand: a new
// schema or extension with a `uniqueness: "server"` attribute gets its unique index without code changes.
import { createHash } from 'node:crypto';
import { resolveAttributePath } from '../../scim/paths/attribute-path';
import { COMMON_SCHEMA, type ResolvedPath } from '../../scim/paths/resolved-path';
import type { AttributeDefinition, ResourceTypeDefinition } from '../../scim/schema/attribute';
import { findAttribute, type SchemaRegistry } from '../../scim/schema/registry';

/** Bumped whenever the shape of the derived data (search document, indexed values) changes. */
const DERIVATION_FORMAT = 1;

/**
 * Paths that get an index-backed `eq` through indexed values, besides every unique attribute. Only cheap,
 * frequently filtered paths belong here: IdPs look users up by userName, externalId and e-mail, groups by
 * displayName, the groups of a user by members.value, and the holders of a role by roles.value (README "Roles").
 * Paths a resource type does not have are skipped.
 */
export const INDEXED_PATHS: readonly string[] = ['externalId', 'displayName', 'emails.value', 'members.value', 'roles.value'];

/**
 * Where a resource's attribute values come from, and so which search document holds them: `document`, the attributes
 * SCIM writes store (create, replace); `unversioned`, the attributes the server keeps in the unversioned state
 * (`x-unversioned` in the schema; written by updateInternal, beside counters of its own). Each part has its own search
 * document and indexed values, written only by the writes of that part, so that neither kind of write has to read the
 * other's state first.
 */
export type StoragePart = 'document' | 'unversioned';

/** A top-level attribute as the search document holds it. */
export interface AttributeSlot {
  /** Key in the search document: the attribute name, or `<extension URN>:<name>` for extension attributes. */
  readonly key: string;
  readonly definition: AttributeDefinition;
  /** Extension URN for extension attributes; undefined for core and common attributes. */
  readonly extension?: string;
  /** The search document that holds it. */
  readonly part: StoragePart;
}

/** A path whose string values are copied into indexed values. */
export interface IndexedPath {
  /** Canonical path: the name of the indexed values (e.g. resource_values.path) and the attribute a conflict names. */
  readonly path: string;
  readonly slot: AttributeSlot;
  readonly subAttribute?: AttributeDefinition;
  /** RFC 7643 §2.2 uniqueness "server" or "global". */
  readonly unique: boolean;
}

/** Common attributes (RFC 7643 §3.1) that every store keeps as fields of their own, not in the search document. */
export type ColumnPath = 'id' | 'meta' | 'meta.created' | 'meta.lastModified' | 'meta.resourceType' | 'meta.version' | 'meta.location';

export type PathTarget =
  | { readonly kind: 'column'; readonly column: ColumnPath; readonly leaf: AttributeDefinition }
  | { readonly kind: 'slot'; readonly slot: AttributeSlot; readonly subAttribute?: AttributeDefinition }
  /** A path this resource type does not store: every comparison is false, `pr` is false. */
  | { readonly kind: 'absent' };

export interface ResourceModel {
  readonly resourceType: string;
  readonly slots: readonly AttributeSlot[];
  readonly indexedPaths: readonly IndexedPath[];
  /** Where a resolved path's values live. */
  targetOf(path: ResolvedPath): PathTarget;
  /** The indexed path for a path, when `eq` on it can use the index. */
  indexedPathOf(path: ResolvedPath): IndexedPath | undefined;
}

export interface StoreModel {
  /** The model of a resource type; a type the registry does not know gets an empty model (columns only). */
  modelOf(resourceType: string): ResourceModel;
  /** Changes whenever the derived data would change; stored to know when to rebuild it (see derived-data.ts). */
  readonly fingerprint: string;
}

const COLUMN_PATHS: readonly ColumnPath[] = ['id', 'meta', 'meta.created', 'meta.lastModified', 'meta.resourceType', 'meta.version', 'meta.location'];

/** A case-insensitive key for a resolved path (RFC 7643 §2.1), the same for every way of writing it. */
export function pathKey(path: { readonly schemaUrn: string; readonly attribute: AttributeDefinition; readonly subAttribute?: AttributeDefinition }): string {
  const sub = path.subAttribute ? `.${path.subAttribute.name}` : '';
  return `${path.schemaUrn}|${path.attribute.name}${sub}`.toLowerCase();
}

export function createStoreModel(registry: SchemaRegistry): StoreModel {
  const columns = columnsOf(registry);
  const models = new Map<string, ResourceModel>();
  const fingerprintSource: unknown[] = [DERIVATION_FORMAT, INDEXED_PATHS];
  for (const type of registry.resourceTypes) {
    const model = buildModel(registry, type, columns);
    models.set(type.name.toLowerCase(), model);
    fingerprintSource.push([
      type.name,
      model.slots.map((slot) => [slot.key, slot.part, describe(slot.definition)]),
      model.indexedPaths.map((indexed) => [indexed.path, indexed.unique]),
    ]);
  }
  const fingerprint = createHash('sha256').update(JSON.stringify(fingerprintSource)).digest('hex');
  return {
    fingerprint,
    modelOf: (resourceType) => models.get(resourceType.toLowerCase()) ?? emptyModel(resourceType, columns),
  };
}

/** The characteristics that decide how a value is normalised in the search document. */
function describe(definition: AttributeDefinition): unknown {
  return [
    definition.name,
    definition.type,
    definition.multiValued,
    definition.caseExact,
    definition.subAttributes?.map((sub) => describe(sub)) ?? null,
  ];
}

/** Column paths by pathKey, from the registry's common attributes (the same for every resource type). */
function columnsOf(registry: SchemaRegistry): ReadonlyMap<string, ColumnPath> {
  const columns = new Map<string, ColumnPath>();
  for (const column of COLUMN_PATHS) {
    const [name, subName] = column.split('.');
    const attribute = findAttribute(registry.commonAttributes, name);
    if (!attribute) continue;
    const subAttribute = subName === undefined ? undefined : findAttribute(attribute.subAttributes, subName);
    if (subName !== undefined && !subAttribute) continue;
    columns.set(pathKey({ schemaUrn: COMMON_SCHEMA, attribute, subAttribute }), column);
  }
  return columns;
}

function columnTarget(columns: ReadonlyMap<string, ColumnPath>, path: ResolvedPath): PathTarget | undefined {
  const column = columns.get(pathKey(path));
  return column ? { kind: 'column', column, leaf: path.subAttribute ?? path.attribute } : undefined;
}

function buildModel(registry: SchemaRegistry, type: ResourceTypeDefinition, columns: ReadonlyMap<string, ColumnPath>): ResourceModel {
  const { core, extensions } = registry.schemasOf(type);
  const slots: AttributeSlot[] = [];
  const slotByKey = new Map<string, AttributeSlot>();
  const add = (schemaUrn: string, definition: AttributeDefinition, extension?: string) => {
    const key = extension === undefined ? definition.name : `${extension}:${definition.name}`;
    const slot: AttributeSlot = { key, definition, extension, part: definition.storage?.unversioned ? 'unversioned' : 'document' };
    slots.push(slot);
    slotByKey.set(pathKey({ schemaUrn, attribute: definition }), slot);
  };

  for (const common of registry.commonAttributes) {
    // id and meta are columns; other common attributes (externalId) are kept with the client's attributes.
    if (!columns.has(pathKey({ schemaUrn: COMMON_SCHEMA, attribute: common }))) add(COMMON_SCHEMA, common);
  }
  for (const attribute of core.attributes) add(core.id, attribute);
  for (const { schema } of extensions) {
    for (const attribute of schema.attributes) add(schema.id, attribute, schema.id);
  }

  const targetOf = (path: ResolvedPath): PathTarget => {
    const column = columnTarget(columns, path);
    if (column) return column;
    const slot = slotByKey.get(pathKey({ schemaUrn: path.schemaUrn, attribute: path.attribute }));
    if (!slot) return { kind: 'absent' };
    if (!path.subAttribute) return { kind: 'slot', slot };
    const subName = path.subAttribute.name.toLowerCase();
    const subAttribute = slot.definition.subAttributes?.find((sub) => sub.name.toLowerCase() === subName);
    return subAttribute ? { kind: 'slot', slot, subAttribute } : { kind: 'absent' };
  };

  const indexedPaths = indexedPathsOf(registry, type, targetOf);
  const indexedByKey = new Map(indexedPaths.map((indexed) => [indexKey(indexed.slot, indexed.subAttribute), indexed]));

  return {
    resourceType: type.name,
    slots,
    indexedPaths,
    targetOf,
    indexedPathOf(path) {
      const target = targetOf(path);
      return target.kind === 'slot' ? indexedByKey.get(indexKey(target.slot, target.subAttribute)) : undefined;
    },
  };
}

function indexKey(slot: AttributeSlot, subAttribute: AttributeDefinition | undefined): string {
  return subAttribute ? `${slot.key}.${subAttribute.name}` : slot.key;
}

/** dateTime values are indexed as their normalised text (ISO 8601 UTC with milliseconds), whose order is time order. */
const INDEXABLE_TYPES = new Set(['string', 'reference', 'binary', 'dateTime']);

function indexedPathsOf(registry: SchemaRegistry, type: ResourceTypeDefinition, targetOf: (path: ResolvedPath) => PathTarget): IndexedPath[] {
  const candidates: ResolvedPath[] = [];
  const { core, extensions } = registry.schemasOf(type);
  const declaredIn = (schemaUrn: string, attributes: readonly AttributeDefinition[], inExtension: boolean) => {
    for (const attribute of attributes) {
      // `x-indexed` in a schema of our own asks for the same index as INDEXED_PATHS (README "Extensions").
      if (isUnique(attribute) || attribute.storage?.indexed) candidates.push({ schemaUrn, inExtension, attribute });
      for (const subAttribute of attribute.subAttributes ?? []) {
        if (isUnique(subAttribute)) candidates.push({ schemaUrn, inExtension, attribute, subAttribute });
      }
    }
  };
  // `id` is declared server-unique too (RFC 7643 §3.1); the primary key already enforces it.
  declaredIn(COMMON_SCHEMA, registry.commonAttributes, false);
  declaredIn(core.id, core.attributes, false);
  for (const { schema } of extensions) declaredIn(schema.id, schema.attributes, true);
  for (const text of INDEXED_PATHS) {
    const resolved = resolveAttributePath(registry, type, text);
    if (resolved) candidates.push(resolved);
  }

  const byKey = new Map<string, IndexedPath>();
  for (const candidate of candidates) {
    const target = targetOf(candidate);
    if (target.kind !== 'slot') continue;
    const leaf = target.subAttribute ?? target.slot.definition;
    if (!INDEXABLE_TYPES.has(leaf.type)) continue;
    const key = indexKey(target.slot, target.subAttribute);
    const unique = isUnique(leaf) || (byKey.get(key)?.unique ?? false);
    byKey.set(key, { path: key, slot: target.slot, subAttribute: target.subAttribute, unique });
  }
  return [...byKey.values()];
}

/**
 * RFC 7643 §2.2: "server" is unique within the service provider, "global" everywhere. Both are enforced per tenant
 * and resource type: a tenant is a separate directory, and a check across tenants would tell one customer what
 * values another one holds.
 */
function isUnique(attribute: AttributeDefinition): boolean {
  return attribute.uniqueness === 'server' || attribute.uniqueness === 'global';
}

function emptyModel(resourceType: string, columns: ReadonlyMap<string, ColumnPath>): ResourceModel {
  return {
    resourceType,
    slots: [],
    indexedPaths: [],
    targetOf: (path) => columnTarget(columns, path) ?? { kind: 'absent' },
    indexedPathOf: () => undefined,
  };
}

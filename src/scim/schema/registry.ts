// The schema registry: schema and resource-type definitions loaded once at start-up, with the RFC 7643 §2.2
// defaults filled in, and case-insensitive look-ups (RFC 7643 §2.1: attribute names and URNs are case-insensitive).
import type {
  AttributeDefinition,
  AttributeStorage,
  ResourceTypeDefinition,
  SchemaDefinition,
  SchemaExtensionReference,
} from './attribute';

export interface SchemaRegistry {
  readonly schemas: readonly SchemaDefinition[];
  readonly resourceTypes: readonly ResourceTypeDefinition[];
  /** id, externalId and meta (RFC 7643 §3.1), shared by every resource type. */
  readonly commonAttributes: readonly AttributeDefinition[];
  schema(urn: string): SchemaDefinition | undefined;
  resourceType(name: string): ResourceTypeDefinition | undefined;
  /** The core schema and the extension schemas of a resource type, core first. */
  schemasOf(resourceType: ResourceTypeDefinition): ResourceSchemas;
}

export interface ResourceSchemas {
  readonly core: SchemaDefinition;
  readonly extensions: readonly { readonly schema: SchemaDefinition; readonly required: boolean }[];
}

export interface RegistrySource {
  readonly schemas: readonly unknown[];
  readonly resourceTypes: readonly unknown[];
  readonly commonAttributes: readonly unknown[];
}

/** Builds the registry, failing fast (at start-up) on a definition that is malformed or inconsistent. */
export function createSchemaRegistry(source: RegistrySource): SchemaRegistry {
  const schemas = source.schemas.map((raw) => normaliseSchema(raw));
  const commonAttributes = source.commonAttributes.map((raw) => normaliseAttribute(raw, 'common attributes'));
  const schemaByUrn = new Map(schemas.map((schema) => [schema.id.toLowerCase(), schema]));
  if (schemaByUrn.size !== schemas.length) throw new Error('Duplicate schema id in schema definitions');

  const resourceTypes = source.resourceTypes.map((raw) => normaliseResourceType(raw));
  const typeByName = new Map(resourceTypes.map((type) => [type.name.toLowerCase(), type]));
  const schemasOfType = new Map<string, ResourceSchemas>();
  for (const type of resourceTypes) {
    const core = schemaByUrn.get(type.schema.toLowerCase());
    if (!core) throw new Error(`Resource type ${type.name} names unknown schema ${type.schema}`);
    const extensions = type.schemaExtensions.map((ref) => {
      const schema = schemaByUrn.get(ref.schema.toLowerCase());
      if (!schema) throw new Error(`Resource type ${type.name} names unknown extension ${ref.schema}`);
      return { schema, required: ref.required };
    });
    schemasOfType.set(type.name.toLowerCase(), { core, extensions });
  }

  return {
    schemas,
    resourceTypes,
    commonAttributes,
    schema: (urn) => schemaByUrn.get(urn.toLowerCase()),
    resourceType: (name) => typeByName.get(name.toLowerCase()),
    schemasOf: (type) => {
      const found = schemasOfType.get(type.name.toLowerCase());
      if (!found) throw new Error(`Unknown resource type ${type.name}`);
      return found;
    },
  };
}

/** Finds an attribute by name, case-insensitively (RFC 7643 §2.1). */
export function findAttribute(attributes: readonly AttributeDefinition[] | undefined, name: string): AttributeDefinition | undefined {
  if (!attributes) return undefined;
  const wanted = name.toLowerCase();
  return attributes.find((attribute) => attribute.name.toLowerCase() === wanted);
}

const TYPES = new Set(['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'binary', 'complex']);
const MUTABILITY = new Set(['readOnly', 'readWrite', 'immutable', 'writeOnly']);
const RETURNED = new Set(['always', 'never', 'default', 'request']);
const UNIQUENESS = new Set(['none', 'server', 'global']);

function normaliseSchema(raw: unknown): SchemaDefinition {
  const value = asRecord(raw, 'schema');
  const id = asString(value.id, 'schema id');
  const attributes = asArray(value.attributes, `${id} attributes`).map((attribute) => normaliseAttribute(attribute, id, true));
  return {
    id,
    name: typeof value.name === 'string' ? value.name : id,
    description: typeof value.description === 'string' ? value.description : undefined,
    attributes,
  };
}

/** Types whose values an index can order: text, and dateTime normalised to ISO 8601 UTC (text order is time order). */
const INDEXABLE = new Set(['string', 'reference', 'binary', 'dateTime']);

// RFC 7643 §2.2: characteristics left out take these defaults.
function normaliseAttribute(raw: unknown, where: string, topLevel = false): AttributeDefinition {
  const value = asRecord(raw, `attribute in ${where}`);
  const name = asString(value.name, `attribute name in ${where}`);
  const type = (value.type ?? 'string') as AttributeDefinition['type'];
  if (!TYPES.has(type)) throw new Error(`${where}.${name}: unknown type ${String(type)}`);
  const mutability = (value.mutability ?? 'readWrite') as AttributeDefinition['mutability'];
  if (!MUTABILITY.has(mutability)) throw new Error(`${where}.${name}: unknown mutability ${String(mutability)}`);
  const returned = (value.returned ?? 'default') as AttributeDefinition['returned'];
  if (!RETURNED.has(returned)) throw new Error(`${where}.${name}: unknown returned ${String(returned)}`);
  const uniqueness = (value.uniqueness ?? 'none') as AttributeDefinition['uniqueness'];
  if (!UNIQUENESS.has(uniqueness)) throw new Error(`${where}.${name}: unknown uniqueness ${String(uniqueness)}`);
  const subAttributes =
    type === 'complex'
      ? asArray(value.subAttributes, `${where}.${name} subAttributes`).map((sub) => normaliseAttribute(sub, `${where}.${name}`))
      : undefined;
  return {
    name,
    type,
    multiValued: value.multiValued === true,
    description: typeof value.description === 'string' ? value.description : undefined,
    required: value.required === true,
    caseExact: value.caseExact === true,
    mutability,
    returned,
    uniqueness,
    canonicalValues: Array.isArray(value.canonicalValues) ? value.canonicalValues.map(String) : undefined,
    referenceTypes: Array.isArray(value.referenceTypes) ? value.referenceTypes.map(String) : undefined,
    subAttributes,
    ...storageOf(value, `${where}.${name}`, { type, mutability, uniqueness, multiValued: value.multiValued === true, topLevel }),
  };
}

/**
 * The server's own storage characteristics (`x-unversioned`, `x-indexed`; see AttributeStorage), checked here so that a
 * schema asking for what the stores cannot do fails at start-up rather than answering wrongly.
 */
function storageOf(
  value: Record<string, unknown>,
  where: string,
  attribute: Pick<AttributeDefinition, 'type' | 'mutability' | 'uniqueness' | 'multiValued'> & { readonly topLevel: boolean },
): { storage?: AttributeStorage } {
  const unversioned = value['x-unversioned'] === true;
  const indexed = value['x-indexed'] === true;
  if (!unversioned && !indexed) return {};
  if (!attribute.topLevel) throw new Error(`${where}: x-unversioned and x-indexed apply to top-level attributes only`);
  if (unversioned && (attribute.mutability !== 'readOnly' || attribute.uniqueness !== 'none' || attribute.type === 'complex')) {
    // Clients never write it (readOnly), and no unique index could see it: it changes outside the versioned write.
    throw new Error(`${where}: an x-unversioned attribute must be readOnly, not unique and not complex`);
  }
  if (indexed && (!INDEXABLE.has(attribute.type) || attribute.multiValued)) {
    throw new Error(`${where}: x-indexed applies to singular string, reference, binary and dateTime attributes`);
  }
  return { storage: { unversioned, indexed } };
}

function normaliseResourceType(raw: unknown): ResourceTypeDefinition {
  const value = asRecord(raw, 'resource type');
  const name = asString(value.name, 'resource type name');
  const extensions: SchemaExtensionReference[] = Array.isArray(value.schemaExtensions)
    ? value.schemaExtensions.map((ext) => {
        const ref = asRecord(ext, `${name} schemaExtensions`);
        return { schema: asString(ref.schema, `${name} extension schema`), required: ref.required === true };
      })
    : [];
  return {
    id: typeof value.id === 'string' ? value.id : name,
    name,
    endpoint: asString(value.endpoint, `${name} endpoint`),
    description: typeof value.description === 'string' ? value.description : undefined,
    schema: asString(value.schema, `${name} schema`),
    schemaExtensions: extensions,
  };
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`Malformed ${what}: expected an object`);
  return value as Record<string, unknown>;
}

function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`Malformed ${what}: expected an array`);
  return value;
}

function asString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`Malformed ${what}: expected a non-empty string`);
  return value;
}

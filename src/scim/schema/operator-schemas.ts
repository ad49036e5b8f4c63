// Extension schemas an operator adds without code (SCIM_SCHEMAS_DIR, README "Adding extension schemas"): schema
// representations in the RFC 7643 §7 / §8.7 format (the shape of schemas/enterprise-user.json), each added as an
// optional extension of User, or of the resource type an optional `resource-types.json` (the shape of
// schemas/resource-types.json) names. Everything is checked before the server starts, and each mistake is refused with
// the file and the attribute it is in: a wrong schema would otherwise surface as odd validation far from its cause.
// Pure: the files come in as text (src/config/schemas-dir.ts reads the folder).
import { BUILTIN_REGISTRY_SOURCE } from './builtin-registry';
import { createSchemaRegistry, type RegistrySource, type SchemaRegistry } from './registry';
import { URN } from '../urns';

export interface SchemaFile {
  /** The file name, as error messages name it. */
  readonly name: string;
  readonly text: string;
}

/** The optional file that says which resource type each schema of the folder extends. */
const RESOURCE_TYPES_FILE = 'resource-types.json';

export class SchemaFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'SchemaFileError';
  }
}

type Json = Record<string, unknown>;

// RFC 7643 §2.2, §2.3 and §7. writeOnly is left out: the server would have to keep the value, and it keeps only
// User.password, as a hash.
const TYPES = ['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'binary', 'complex'];
const MUTABILITY = ['readOnly', 'readWrite', 'immutable'];
const RETURNED = ['always', 'never', 'default', 'request'];
const UNIQUENESS = ['none', 'server', 'global'];
const CHARACTERISTICS = ['name', 'type', 'subAttributes', 'multiValued', 'description', 'required', 'canonicalValues', 'caseExact', 'mutability', 'returned', 'uniqueness', 'referenceTypes'];
const SCHEMA_MEMBERS = ['schemas', 'id', 'name', 'description', 'attributes', 'meta'];
// RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA; "$ref" is reserved for sub-attributes.
const ATTRNAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** The built-in registry with the folder's schemas added; throws SchemaFileError for the first mistake found. */
export function registryWithOperatorSchemas(files: readonly SchemaFile[]): SchemaRegistry {
  return createSchemaRegistry(withOperatorSchemas(BUILTIN_REGISTRY_SOURCE, files));
}

function withOperatorSchemas(base: RegistrySource, files: readonly SchemaFile[]): RegistrySource {
  const sorted = [...files].sort((a, b) => a.name.localeCompare(b.name));
  const typesFile = sorted.find((file) => file.name.toLowerCase() === RESOURCE_TYPES_FILE);
  const owners = new Map<string, string>(); // lower-cased schema id -> file that defines it
  for (const raw of base.schemas) owners.set(String((raw as Json).id).toLowerCase(), '');

  const added: Json[] = [];
  for (const file of sorted) {
    if (file === typesFile) continue;
    const representation = checkSchema(file.name, parse(file));
    const key = String(representation.id).toLowerCase();
    const owner = owners.get(key);
    if (owner === '') throw new SchemaFileError(file.name, `schema "${String(representation.id)}" is already defined by the server; give the extension its own URN`);
    if (owner !== undefined) throw new SchemaFileError(file.name, `schema "${String(representation.id)}" is also defined by ${owner}`);
    owners.set(key, file.name);
    added.push(representation);
  }

  const placement = typesFile ? placeExtensions(typesFile, parse(typesFile), base, added) : new Map<string, Json[]>();
  const placed = new Set([...placement.values()].flat().map((reference) => String(reference.schema).toLowerCase()));
  const defaults = added.filter((schema) => !placed.has(String(schema.id).toLowerCase())).map((schema) => ({ schema: schema.id, required: false }));
  if (defaults.length > 0) placement.set('user', [...(placement.get('user') ?? []), ...defaults]);

  const resourceTypes = base.resourceTypes.map((raw) => {
    const type = raw as Json;
    const extra = placement.get(String(type.name).toLowerCase());
    if (!extra) return raw;
    const existing = Array.isArray(type.schemaExtensions) ? type.schemaExtensions : [];
    return { ...type, schemaExtensions: [...existing, ...extra] };
  });
  return { schemas: [...base.schemas, ...added], resourceTypes, commonAttributes: base.commonAttributes };
}

function parse(file: SchemaFile): unknown {
  try {
    return JSON.parse(file.text) as unknown;
  } catch (error) {
    throw new SchemaFileError(file.name, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

function checkSchema(file: string, raw: unknown): Json {
  if (!isObject(raw)) throw new SchemaFileError(file, 'must hold a schema representation (a JSON object with "id" and "attributes", RFC 7643 §7)');
  const unknown = Object.keys(raw).find((key) => !SCHEMA_MEMBERS.includes(key));
  if (unknown !== undefined) throw new SchemaFileError(file, `unknown member "${unknown}" (a schema has ${SCHEMA_MEMBERS.join(', ')})`);
  if (typeof raw.id !== 'string' || !/^urn:[^\s"\\]+$/i.test(raw.id)) {
    throw new SchemaFileError(file, '"id" must be a schema URN, e.g. "urn:example:params:scim:schemas:extension:acme:2.0:User"');
  }
  if (raw.schemas !== undefined && !(Array.isArray(raw.schemas) && raw.schemas.includes(URN.core.schema))) {
    throw new SchemaFileError(file, `"schemas" must list "${URN.core.schema}" (or be left out)`);
  }
  for (const member of ['name', 'description'] as const) {
    if (raw[member] !== undefined && typeof raw[member] !== 'string') throw new SchemaFileError(file, `"${member}" must be a string`);
  }
  if (!Array.isArray(raw.attributes) || raw.attributes.length === 0) throw new SchemaFileError(file, '"attributes" must be a non-empty list of attribute definitions');
  checkAttributes(file, raw.attributes, '');
  return raw;
}

function checkAttributes(file: string, attributes: readonly unknown[], parent: string): void {
  const names = new Map<string, string>();
  attributes.forEach((raw, position) => {
    const where = (name: string) => `attribute '${parent}${name}'`;
    if (!isObject(raw) || typeof raw.name !== 'string') {
      throw new SchemaFileError(file, `${parent === '' ? 'attributes' : `'${parent.slice(0, -1)}' subAttributes`}[${position}] must be an object with a "name"`);
    }
    const name = raw.name;
    const fail = (problem: string): never => {
      throw new SchemaFileError(file, `${where(name)}: ${problem}`);
    };
    if (!ATTRNAME.test(name) && !(parent !== '' && name === '$ref')) fail('the name must start with a letter and hold only letters, digits, "-" and "_" (RFC 7643 §2.1)');
    const same = names.get(name.toLowerCase());
    if (same !== undefined) fail(`another attribute here is already named '${same}' (names are case-insensitive, RFC 7643 §2.1)`);
    names.set(name.toLowerCase(), name);

    const unknown = Object.keys(raw).find((key) => !CHARACTERISTICS.includes(key));
    if (unknown !== undefined) fail(`unknown characteristic "${unknown}" (RFC 7643 §7: ${CHARACTERISTICS.join(', ')})`);
    const oneOf = (key: string, allowed: readonly string[]) => {
      if (raw[key] !== undefined && !allowed.includes(raw[key] as string)) fail(`"${key}" must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw[key])}`);
    };
    oneOf('type', TYPES);
    oneOf('mutability', MUTABILITY);
    oneOf('returned', RETURNED);
    oneOf('uniqueness', UNIQUENESS);
    for (const key of ['multiValued', 'required', 'caseExact']) {
      if (raw[key] !== undefined && typeof raw[key] !== 'boolean') fail(`"${key}" must be true or false`);
    }
    if (raw.description !== undefined && typeof raw.description !== 'string') fail('"description" must be a string');
    for (const key of ['canonicalValues', 'referenceTypes']) {
      if (raw[key] !== undefined && !(Array.isArray(raw[key]) && (raw[key] as unknown[]).every((value) => typeof value === 'string'))) {
        fail(`"${key}" must be a list of strings`);
      }
    }
    if (raw.type === 'complex') {
      if (parent !== '') fail('a sub-attribute cannot be complex (RFC 7643 §2.3.8)');
      if (!Array.isArray(raw.subAttributes) || raw.subAttributes.length === 0) fail('a complex attribute needs "subAttributes", a non-empty list');
      checkAttributes(file, raw.subAttributes as unknown[], `${name}.`);
    } else if (raw.subAttributes !== undefined) {
      fail('only a complex attribute has "subAttributes" (set "type": "complex")');
    }
  });
}

/** Reads resource-types.json: for each resource type it names, the extension references to add to it. */
function placeExtensions(file: SchemaFile, raw: unknown, base: RegistrySource, added: readonly Json[]): Map<string, Json[]> {
  if (!Array.isArray(raw)) throw new SchemaFileError(file.name, 'must be a list of resource types (the shape of schemas/resource-types.json)');
  const types = base.resourceTypes as Json[];
  const placement = new Map<string, Json[]>();
  const placedIn = new Map<string, string>();
  raw.forEach((entry, position) => {
    const fail = (problem: string): never => {
      throw new SchemaFileError(file.name, `[${position}]: ${problem}`);
    };
    if (!isObject(entry)) fail('each entry must be a resource type object');
    const entryObject = entry as Json;
    const name = typeof entryObject.name === 'string' ? entryObject.name : typeof entryObject.id === 'string' ? entryObject.id : undefined;
    const type = types.find((candidate) => String(candidate.name).toLowerCase() === name?.toLowerCase());
    if (!type) fail(`the server has no resource type ${JSON.stringify(name ?? null)}; extensions can be added to ${types.map((t) => String(t.name)).join(', ')}`);
    const typeObject = type as Json;
    for (const key of ['endpoint', 'schema'] as const) {
      const given = entryObject[key];
      if (given !== undefined && String(given).toLowerCase() !== String(typeObject[key]).toLowerCase()) {
        fail(`"${key}" of ${String(typeObject.name)} is "${String(typeObject[key])}", not ${JSON.stringify(given)}`);
      }
    }
    if (!Array.isArray(entryObject.schemaExtensions)) fail('"schemaExtensions" must be a list of {"schema": "<URN>", "required": false}');
    for (const reference of entryObject.schemaExtensions as unknown[]) {
      const urn = isObject(reference) && typeof reference.schema === 'string' ? reference.schema : undefined;
      if (urn === undefined) fail('each of "schemaExtensions" needs "schema", the URN of a schema in this folder');
      const schema = added.find((candidate) => String(candidate.id).toLowerCase() === (urn as string).toLowerCase());
      if (!schema) fail(`"${String(urn)}" is not a schema of a file in this folder`);
      const id = String((schema as Json).id);
      const already = placedIn.get(id.toLowerCase());
      if (already !== undefined) fail(`"${id}" is already an extension of ${already}`);
      const required = (reference as Json).required;
      if (required !== undefined && typeof required !== 'boolean') fail(`"required" of "${id}" must be true or false`);
      placedIn.set(id.toLowerCase(), String(typeObject.name));
      const key = String(typeObject.name).toLowerCase();
      placement.set(key, [...(placement.get(key) ?? []), { schema: id, required: required === true }]);
    }
  });
  return placement;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Brings a client's JSON into canonical form before validation: attribute names in their schema spelling
// (RFC 7643 §2.1, names are case-insensitive), extension attributes under their schema URN, and the shapes real
// identity providers send turned into the RFC's shapes (documented in README "Tolerances"):
//   - "True"/"False" (any case) for booleans: Entra ID sends them;
//   - a bare string for a complex attribute that has a `value` sub-attribute (manager: "id"): Entra ID;
//   - a single value for a multi-valued attribute: wrapped in an array;
//   - null for an attribute: the attribute is unassigned (RFC 7643 §2.5).
// Unknown attributes and readOnly attributes are dropped (RFC 7644 §3.3: readOnly values are ignored); keys that are
// schema URNs of no extension of the resource type are dropped too, and those that carry attributes are reported in
// `schemaUse` for checkDeclaredSchemas to refuse or ignore. Type errors are left in place for the JSON Schema
// validator to report with the attribute's name.
import type { AttributeDefinition, ResourceTypeDefinition, ScimAttributes } from './attribute';
import { isSchemaUri, type SchemaUse } from './declared-schemas';
import { findAttribute, type SchemaRegistry } from './registry';

export interface CanonicalInput {
  readonly attributes: ScimAttributes;
  /** The schemas the body names in `schemas` and the ones its keys use. */
  readonly schemaUse: SchemaUse;
}

export function canonicaliseInput(registry: SchemaRegistry, resourceType: ResourceTypeDefinition, input: Record<string, unknown>): CanonicalInput {
  const { core, extensions } = registry.schemasOf(resourceType);
  const attributes: ScimAttributes = {};
  let declared: readonly unknown[] | undefined;
  const extensionsUsed: string[] = [];
  const foreignKeys: string[] = [];

  for (const [key, value] of Object.entries(input)) {
    const lower = key.toLowerCase();
    if (lower === 'schemas') {
      if (value !== null && value !== undefined) declared = Array.isArray(value) ? value : [value];
      continue;
    }
    const extension = extensions.find((ext) => ext.schema.id.toLowerCase() === lower);
    if (extension) {
      if (value === null) continue;
      if (!isEmptyObject(value)) extensionsUsed.push(extension.schema.id);
      if (typeof value !== 'object' || Array.isArray(value)) {
        attributes[extension.schema.id] = value; // left for the validator to reject as "must be an object"
        continue;
      }
      const inner = canonicaliseObject(extension.schema.attributes, value as Record<string, unknown>);
      if (Object.keys(inner).length > 0) attributes[extension.schema.id] = inner;
      continue;
    }
    if (lower === core.id.toLowerCase() && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      // Some clients nest core attributes under the core URN; treat them as top-level.
      Object.assign(attributes, canonicaliseObject(core.attributes, value as Record<string, unknown>));
      continue;
    }
    // Attribute names cannot hold a colon (RFC 7643 §2.1), so a key that starts like a URI names a schema: one this
    // type does not have (Microsoft's are URLs, `http://schemas.microsoft.com/…`). Null or {} carries nothing.
    if (isSchemaUri(key) && lower !== core.id.toLowerCase()) {
      if (value !== null && !isEmptyObject(value)) foreignKeys.push(key);
      continue;
    }
    const common = findAttribute(registry.commonAttributes, key);
    if (common) {
      if (common.mutability !== 'readOnly' && value !== null) attributes[common.name] = value;
      continue;
    }
    const attribute = findAttribute(core.attributes, key);
    if (!attribute || attribute.mutability === 'readOnly') continue;
    const canonical = canonicaliseValue(attribute, value);
    if (canonical !== undefined) attributes[attribute.name] = canonical;
  }
  return { attributes, schemaUse: { ...(declared === undefined ? {} : { declared }), extensionsUsed, foreignKeys } };
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

/** Canonicalises an object's keys against a list of attribute definitions (a schema's or a complex attribute's). */
export function canonicaliseObject(definitions: readonly AttributeDefinition[], input: Record<string, unknown>): ScimAttributes {
  const output: ScimAttributes = {};
  for (const [key, value] of Object.entries(input)) {
    const attribute = findAttribute(definitions, key);
    if (!attribute || attribute.mutability === 'readOnly') continue;
    const canonical = canonicaliseValue(attribute, value);
    if (canonical !== undefined) output[attribute.name] = canonical;
  }
  return output;
}

/** Canonicalises one attribute value; undefined means "unassigned". */
export function canonicaliseValue(attribute: AttributeDefinition, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (attribute.multiValued) {
    const values = Array.isArray(value) ? value : [value];
    const canonical = values.map((element) => canonicaliseSingle(attribute, element)).filter((element) => element !== undefined);
    return canonical.length > 0 ? canonical : undefined;
  }
  return canonicaliseSingle(attribute, value);
}

function canonicaliseSingle(attribute: AttributeDefinition, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  switch (attribute.type) {
    case 'boolean':
      return coerceBoolean(value);
    case 'complex': {
      if (typeof value === 'string' && findAttribute(attribute.subAttributes, 'value')) return { value };
      if (typeof value !== 'object' || Array.isArray(value)) return value;
      const inner = canonicaliseObject(attribute.subAttributes ?? [], value as Record<string, unknown>);
      return Object.keys(inner).length > 0 ? inner : undefined;
    }
    default:
      return value;
  }
}

/** "True"/"False" in any case become booleans (Entra ID sends them); anything else is left for validation. */
export function coerceBoolean(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const lower = value.trim().toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return value;
}

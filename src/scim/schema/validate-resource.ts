// Validates a resource body on create and replace: canonical form, types (ajv, compiled once from schemas/),
// then the SCIM characteristics that JSON Schema cannot express: required, mutability and writeOnly.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { scimErrors } from '../errors';
import type { AttributeDefinition, ResourceTypeDefinition, ScimAttributes } from './attribute';
import { canonicaliseInput } from './canonicalise';
import { checkDeclaredSchemas, UnknownSchemaPolicy } from './declared-schemas';
import { resourceJsonSchema } from './json-schema';
import { findAttribute, type SchemaRegistry } from './registry';

export interface ValidatedResource {
  /** Canonical attributes to store, without writeOnly values. */
  readonly attributes: ScimAttributes;
  /**
   * writeOnly attribute values (e.g. password), by canonical name, for the service to transform (hash). `null` means
   * the client unassigned it (`"password": null` in a body, a PATCH remove or null); absent means it said nothing.
   */
  readonly writeOnly: Readonly<Record<string, unknown>>;
}

/** How a client's resource body is read. */
export interface BodyOptions {
  /** Attributes under schema URNs the server does not know: refused (default) or left out (README "Tolerances"). */
  readonly unknownSchemas?: UnknownSchemaPolicy;
}

export interface ResourceValidator {
  /** POST: `schemas` checked (RFC 7643 §3), readOnly values ignored, required enforced. */
  validateCreate(input: unknown, options?: BodyOptions): ValidatedResource;
  /** PUT: as create, and immutable attributes that already have a value may not change (RFC 7643 §2.2). */
  validateReplace(input: unknown, existing: ScimAttributes, options?: BodyOptions): ValidatedResource;
  /** The attributes a PATCH produced: the rules of PUT, except `schemas`, which the server assembled them without. */
  validatePatchResult(attributes: ScimAttributes, existing: ScimAttributes): ValidatedResource;
  /** Type and required checks on a resource assembled by the server. */
  validateAttributes(attributes: ScimAttributes): void;
}

export function createResourceValidators(registry: SchemaRegistry): (resourceType: ResourceTypeDefinition) => ResourceValidator {
  const ajv = new Ajv({ allErrors: false, strict: false });
  addFormats(ajv, ['date-time']);
  const validators = new Map<string, ResourceValidator>();
  for (const type of registry.resourceTypes) {
    validators.set(type.name.toLowerCase(), buildValidator(registry, type, ajv.compile(resourceJsonSchema(registry, type))));
  }
  return (resourceType) => {
    const validator = validators.get(resourceType.name.toLowerCase());
    if (!validator) throw new Error(`No validator for resource type ${resourceType.name}`);
    return validator;
  };
}

function buildValidator(registry: SchemaRegistry, resourceType: ResourceTypeDefinition, checkTypes: ValidateFunction): ResourceValidator {
  const { core, extensions } = registry.schemasOf(resourceType);

  const checkTypesOf = (attributes: ScimAttributes): void => {
    if (!checkTypes(attributes)) throw scimErrors.invalidValue(describeAjvError(checkTypes.errors?.[0]));
  };

  const checkRequired = (attributes: ScimAttributes): void => {
    assertRequired(core.attributes, attributes, '');
    for (const extension of extensions) {
      const value = attributes[extension.schema.id] as ScimAttributes | undefined;
      if (value === undefined) {
        if (extension.required) throw scimErrors.invalidValue(`Schema extension '${extension.schema.id}' is required`);
        continue;
      }
      assertRequired(extension.schema.attributes, value, `${extension.schema.id}:`);
    }
  };

  /** `body` is a client's resource body, whose `schemas` is checked; otherwise attributes the server assembled. */
  const prepare = (input: unknown, body?: BodyOptions): ValidatedResource => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw scimErrors.invalidSyntax('The request body must be a JSON object representing the resource');
    }
    const { attributes, schemaUse } = canonicaliseInput(registry, resourceType, input as Record<string, unknown>);
    if (body) checkDeclaredSchemas(registry, resourceType, schemaUse, body.unknownSchemas ?? UnknownSchemaPolicy.reject);
    checkTypesOf(attributes);
    assertSinglePrimary(core.attributes, attributes, '');
    for (const { schema } of extensions) assertSinglePrimary(schema.attributes, (attributes[schema.id] ?? {}) as ScimAttributes, `${schema.id}:`);
    const writeOnly: Record<string, unknown> = {};
    for (const attribute of core.attributes) {
      if (attribute.mutability !== 'writeOnly') continue;
      if (attribute.name in attributes) {
        writeOnly[attribute.name] = attributes[attribute.name];
        delete attributes[attribute.name];
      } else if (body && isExplicitNull(input as Record<string, unknown>, attribute, core.id)) {
        // Canonicalisation drops nulls (unassigned); for a value the client cannot read back, "keep it" (absent) and
        // "remove it" (null) must stay apart.
        writeOnly[attribute.name] = null;
      }
    }
    return { attributes, writeOnly };
  };

  const replaced = (result: ValidatedResource, existing: ScimAttributes): ValidatedResource => {
    const attributes = keepImmutable(core.attributes, existing, result.attributes);
    for (const { schema } of extensions) {
      const before = existing[schema.id] as ScimAttributes | undefined;
      if (before === undefined) continue;
      const kept = keepImmutable(schema.attributes, before, (attributes[schema.id] ?? {}) as ScimAttributes);
      if (Object.keys(kept).length > 0) attributes[schema.id] = kept;
    }
    checkRequired(attributes);
    assertImmutableUnchanged(core.attributes, existing, attributes, '');
    for (const { schema } of extensions) {
      assertImmutableUnchanged(schema.attributes, (existing[schema.id] ?? {}) as ScimAttributes, (attributes[schema.id] ?? {}) as ScimAttributes, `${schema.id}:`);
    }
    return { ...result, attributes };
  };

  return {
    validateCreate(input, options = {}) {
      const result = prepare(input, options);
      checkRequired(result.attributes);
      return result;
    },
    validateReplace: (input, existing, options = {}) => replaced(prepare(input, options), existing),
    validatePatchResult: (attributes, existing) => replaced(prepare(attributes), existing),
    validateAttributes(attributes) {
      checkTypesOf(attributes);
      checkRequired(attributes);
    },
  };
}

/** True when the body sets the core attribute to null, at the top level or under the core schema URN (any case). */
function isExplicitNull(input: Record<string, unknown>, attribute: AttributeDefinition, coreUrn: string): boolean {
  const nullIn = (object: unknown) =>
    typeof object === 'object' && object !== null && Object.entries(object).some(([key, value]) => value === null && findAttribute([attribute], key) !== undefined);
  const nested = Object.entries(input).find(([key]) => key.toLowerCase() === coreUrn.toLowerCase())?.[1];
  return nullIn(input) || nullIn(nested);
}

function isAssigned(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value !== '';
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

function assertRequired(definitions: readonly AttributeDefinition[], attributes: ScimAttributes, prefix: string): void {
  for (const attribute of definitions) {
    const value = attributes[attribute.name];
    // readOnly required attributes (such as id) are the server's to set, never the client's.
    if (attribute.required && attribute.mutability !== 'readOnly' && !isAssigned(value)) {
      throw scimErrors.invalidValue(`Attribute '${prefix}${attribute.name}' is required`);
    }
    if (attribute.type !== 'complex' || !isAssigned(value)) continue;
    const elements = (attribute.multiValued ? value : [value]) as ScimAttributes[];
    for (const element of elements) {
      for (const sub of attribute.subAttributes ?? []) {
        if (sub.required && sub.mutability !== 'readOnly' && !isAssigned(element[sub.name])) {
          throw scimErrors.invalidValue(`Attribute '${prefix}${attribute.name}.${sub.name}' is required`);
        }
      }
    }
  }
}

// RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once" in a multi-valued attribute.
// Which of several primaries the client meant cannot be guessed, so the request is refused rather than repaired.
function assertSinglePrimary(definitions: readonly AttributeDefinition[], attributes: ScimAttributes, prefix: string): void {
  for (const attribute of definitions) {
    const value = attributes[attribute.name];
    if (!attribute.multiValued || attribute.type !== 'complex' || !Array.isArray(value)) continue;
    const primary = findAttribute(attribute.subAttributes ?? [], 'primary');
    if (!primary) continue;
    const indexes = value.flatMap((element, index) => ((element as ScimAttributes | null)?.[primary.name] === true ? [index] : []));
    if (indexes.length > 1) {
      throw scimErrors.invalidValue(
        `Attribute '${prefix}${attribute.name}' has ${indexes.length} values with primary true (at ${indexes.map((index) => `[${index}]`).join(', ')}); at most one value may be primary`,
      );
    }
  }
}

/**
 * RFC 7643 §2.2: an immutable value "SHALL NOT be updated", and RFC 7644 §3.5.1 asks a PUT's input values to match the
 * assigned ones. A replace that leaves an assigned immutable attribute out sends no value for it at all: it keeps the
 * stored one, rather than clearing (updating) it or failing every PUT of a client that does not know the attribute (an
 * identity provider that never heard of an extension). A different value sent is still refused below.
 */
function keepImmutable(definitions: readonly AttributeDefinition[], before: ScimAttributes, after: ScimAttributes): ScimAttributes {
  let kept = after;
  for (const attribute of definitions) {
    if (attribute.mutability !== 'immutable' || !isAssigned(before[attribute.name]) || isAssigned(after[attribute.name])) continue;
    if (kept === after) kept = { ...after };
    kept[attribute.name] = before[attribute.name];
  }
  return kept;
}

// RFC 7643 §2.2 "immutable": may be set once, then never changed. Sub-attributes of multi-valued attributes
// (e.g. members.value) are immutable per value: a replace may add or drop values, so only singular ones are checked.
function assertImmutableUnchanged(definitions: readonly AttributeDefinition[], before: ScimAttributes, after: ScimAttributes, prefix: string): void {
  for (const attribute of definitions) {
    const previous = before[attribute.name];
    const next = after[attribute.name];
    if (attribute.mutability === 'immutable' && isAssigned(previous) && !sameValue(previous, next)) {
      throw scimErrors.mutability(`Attribute '${prefix}${attribute.name}' is immutable and cannot be changed`);
    }
    if (attribute.type === 'complex' && !attribute.multiValued && isAssigned(previous)) {
      assertImmutableUnchanged(attribute.subAttributes ?? [], previous as ScimAttributes, (next ?? {}) as ScimAttributes, `${prefix}${attribute.name}.`);
    }
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// Turns ajv's `/emails/0/value` into `emails[0].value` so the detail names the attribute as the client wrote it.
function describeAjvError(error: ErrorObject | undefined): string {
  if (!error) return 'The resource does not match its schema';
  const segments = error.instancePath.split('/').filter(Boolean).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  let name = '';
  for (const segment of segments) name += /^\d+$/.test(segment) ? `[${segment}]` : name === '' ? segment : `.${segment}`;
  const subject = name === '' ? 'The resource' : `Attribute '${name}'`;
  switch (error.keyword) {
    case 'type':
      return `${subject} must be ${article(String(error.params.type))}`;
    case 'format':
      return `${subject} must be a valid ${error.params.format === 'date-time' ? 'xsd:dateTime (RFC 3339)' : String(error.params.format)}`;
    case 'pattern':
      return `${subject} must be base64-encoded binary`;
    default:
      return `${subject} ${error.message ?? 'is invalid'}`;
  }
}

function article(type: string): string {
  switch (type) {
    case 'object':
      return 'a complex value (JSON object)';
    case 'array':
      return 'a list of values (JSON array)';
    case 'integer':
      return 'an integer';
    default:
      return `a ${type}`;
  }
}

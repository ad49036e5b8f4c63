// What a SCIM response body may hold, checked against the schema registry: `schemas` names exactly the core schema
// and the extensions present (RFC 7643 §3), and every field is one the schemas declare, so that nothing internal
// (a tenant id, a password hash, a search document) and nothing misspelt reaches a client unnoticed. Returns the
// problems found, as readable paths; an empty list means the body has the shape a client may rely on.
import { findAttribute } from '../../src/scim/schema/registry';
import type { AttributeDefinition } from '../../src/scim/schema/attribute';
import type { SchemaRegistry } from '../../src/scim/schema/registry';
import { URN } from '../../src/scim/urns';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 7644 §3.4.2 (ListResponse), §3.12 (Error), RFC 9865 (cursors): the fields of each message. */
const MESSAGE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  [URN.message.listResponse]: ['schemas', 'totalResults', 'startIndex', 'itemsPerPage', 'Resources', 'nextCursor', 'previousCursor'],
  [URN.message.error]: ['schemas', 'status', 'scimType', 'detail'],
};
const META_FIELDS = ['resourceType', 'created', 'lastModified', 'location', 'version'];

export function scimShapeProblems(registry: SchemaRegistry, body: unknown): string[] {
  if (!isObject(body)) return [`the body is not a JSON object: ${JSON.stringify(body)}`];
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || schemas.length === 0) return ['schemas is missing or empty'];
  const messageFields = MESSAGE_FIELDS[schemas[0] as string];
  if (messageFields) {
    const problems = schemas.length === 1 ? [] : [`schemas of a message holds more than ${schemas[0]}: ${JSON.stringify(schemas)}`];
    problems.push(...Object.keys(body).filter((key) => !messageFields.includes(key)).map((key) => `unexpected field ${key}`));
    if (schemas[0] === URN.message.listResponse && Array.isArray(body.Resources)) {
      body.Resources.forEach((resource, index) => problems.push(...resourceProblems(registry, resource).map((problem) => `Resources/${index}: ${problem}`)));
    }
    return problems;
  }
  return resourceProblems(registry, body);
}

function resourceProblems(registry: SchemaRegistry, body: unknown): string[] {
  if (!isObject(body)) return ['a resource is not a JSON object'];
  // The type is the one meta names; without meta (an `attributes` selection), the one whose core schema comes first.
  const meta = body.meta;
  const schemas = body.schemas as unknown[];
  const type =
    isObject(meta) && typeof meta.resourceType === 'string'
      ? registry.resourceType(meta.resourceType)
      : registry.resourceTypes.find((candidate) => candidate.schema === schemas[0]);
  if (!type) return [`neither meta.resourceType nor schemas names a resource type: ${JSON.stringify({ schemas, meta })}`];
  const { core, extensions } = registry.schemasOf(type);
  const problems: string[] = [];

  // RFC 7643 §3: the core schema, and each extension whose attributes the resource holds.
  const present = extensions.filter(({ schema }) => Object.keys(body).some((key) => key.toLowerCase() === schema.id.toLowerCase()));
  const expected = [core.id, ...present.map(({ schema }) => schema.id)];
  if (schemas[0] !== core.id || schemas.length !== expected.length || !expected.every((urn) => schemas.includes(urn))) {
    problems.push(`schemas is ${JSON.stringify(schemas)}, not ${JSON.stringify(expected)}`);
  }

  for (const [key, value] of Object.entries(body)) {
    if (key === 'schemas' || key === 'id' || key === 'externalId') continue;
    if (key === 'meta') {
      if (isObject(value)) problems.push(...Object.keys(value).filter((field) => !META_FIELDS.includes(field)).map((field) => `unexpected field meta.${field}`));
      continue;
    }
    const extension = present.find(({ schema }) => schema.id.toLowerCase() === key.toLowerCase());
    if (extension) {
      if (!isObject(value)) problems.push(`${key} is not an object`);
      else for (const [name, inner] of Object.entries(value)) problems.push(...attributeProblems(extension.schema.attributes, name, inner, `${key}:`));
      continue;
    }
    problems.push(...attributeProblems(core.attributes, key, value, ''));
  }
  return problems;
}

/** An attribute the schema declares, and for a complex one, sub-attributes it declares. */
function attributeProblems(declared: readonly AttributeDefinition[], name: string, value: unknown, prefix: string): string[] {
  const attribute = findAttribute(declared, name);
  if (!attribute) return [`unexpected field ${prefix}${name}`];
  if (attribute.returned === 'never') return [`${prefix}${name} is returned although its schema says returned: never`];
  if (attribute.type !== 'complex') return [];
  const values = Array.isArray(value) ? value : [value];
  const problems: string[] = [];
  for (const element of values) {
    if (!isObject(element)) continue;
    for (const sub of Object.keys(element)) {
      const subAttribute = findAttribute(attribute.subAttributes, sub);
      if (!subAttribute) problems.push(`unexpected field ${prefix}${name}.${sub}`);
      else if (subAttribute.returned === 'never') problems.push(`${prefix}${name}.${sub} is returned although its schema says returned: never`);
    }
  }
  return [...new Set(problems)];
}

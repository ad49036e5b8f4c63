// Derives a JSON Schema (draft 2020-12 subset understood by ajv) from SCIM schema definitions, so that type
// checking is generated from schemas/*.json rather than written by hand. Compiled once per resource type.
import type { AttributeDefinition, ResourceTypeDefinition } from './attribute';
import type { SchemaRegistry } from './registry';

export type JsonSchema = Record<string, unknown>;

/**
 * Adds to the schema of one attribute (after its sub-attributes): the OpenAPI document uses it for annotations
 * (description, readOnly, required…), which validation does not need.
 */
export type AttributeDecorator = (attribute: AttributeDefinition, schema: JsonSchema) => JsonSchema;

const asIs: AttributeDecorator = (_attribute, schema) => schema;

export function resourceJsonSchema(registry: SchemaRegistry, resourceType: ResourceTypeDefinition, decorate: AttributeDecorator = asIs): JsonSchema {
  const { core, extensions } = registry.schemasOf(resourceType);
  const properties: Record<string, JsonSchema> = {};
  for (const attribute of [...registry.commonAttributes, ...core.attributes]) properties[attribute.name] = attributeSchema(attribute, decorate);
  for (const { schema } of extensions) properties[schema.id] = objectSchema(schema.attributes, decorate);
  return { type: 'object', properties };
}

export function objectSchema(attributes: readonly AttributeDefinition[], decorate: AttributeDecorator = asIs): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const attribute of attributes) properties[attribute.name] = attributeSchema(attribute, decorate);
  return { type: 'object', properties };
}

function attributeSchema(attribute: AttributeDefinition, decorate: AttributeDecorator): JsonSchema {
  const single = singleValueSchema(attribute, decorate);
  return decorate(attribute, attribute.multiValued ? { type: 'array', items: single } : single);
}

function singleValueSchema(attribute: AttributeDefinition, decorate: AttributeDecorator): JsonSchema {
  switch (attribute.type) {
    case 'string':
    case 'reference':
      return { type: 'string' };
    case 'binary':
      // RFC 7643 §2.3.6: base64-encoded.
      return { type: 'string', pattern: '^[A-Za-z0-9+/\\s]*={0,2}\\s*$' };
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
      return { type: 'integer' };
    case 'decimal':
      return { type: 'number' };
    case 'dateTime':
      return { type: 'string', format: 'date-time' };
    case 'complex':
      return objectSchema(attribute.subAttributes ?? [], decorate);
  }
}

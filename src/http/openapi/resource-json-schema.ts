// JSON Schema (2020-12, the dialect of OpenAPI 3.1) for SCIM resources, generated from the same schema definitions
// that validate requests and drive /Schemas (schemas/*.json through the registry, scim/schema/json-schema.ts), so the
// OpenAPI document cannot drift from what the server accepts and answers.
//
// Annotations follow RFC 7643 §7: mutability readOnly -> readOnly, writeOnly or returned "never" -> writeOnly,
// required -> required (except readOnly attributes, which a client never sends), canonicalValues -> examples (they
// are suggestions, not an enumeration). Unknown attributes are ignored by the server (README "Tolerances"), so
// objects stay open.
import type { AttributeDefinition, ResourceTypeDefinition } from '../../scim/schema/attribute';
import { objectSchema, resourceJsonSchema, type AttributeDecorator, type JsonSchema } from '../../scim/schema/json-schema';
import type { SchemaRegistry } from '../../scim/schema/registry';

export type { JsonSchema };

const requiredOf = (attributes: readonly AttributeDefinition[]) =>
  attributes.filter((attribute) => attribute.required && attribute.mutability !== 'readOnly').map((attribute) => attribute.name);

const withRequired = (schema: JsonSchema, attributes: readonly AttributeDefinition[]): JsonSchema => {
  const required = requiredOf(attributes);
  return required.length ? { ...schema, required } : schema;
};

const annotate: AttributeDecorator = (attribute, schema) => {
  let annotated = schema;
  if (attribute.type === 'complex') {
    annotated = attribute.multiValued
      ? { ...schema, items: withRequired(schema.items as JsonSchema, attribute.subAttributes ?? []) }
      : withRequired(schema, attribute.subAttributes ?? []);
  }
  annotated = { ...annotated };
  if (attribute.description) annotated.description = attribute.description;
  if (attribute.mutability === 'readOnly') annotated.readOnly = true;
  if (attribute.mutability === 'writeOnly' || attribute.returned === 'never') annotated.writeOnly = true;
  if (attribute.canonicalValues?.length) annotated.examples = [...attribute.canonicalValues];
  return annotated;
};

/** The annotated schema of a list of attributes (an extension, a discovery resource). */
export function annotatedObjectSchema(attributes: readonly AttributeDefinition[]): JsonSchema {
  return withRequired(objectSchema(attributes, annotate), attributes);
}

/** One resource type: `schemas`, the common attributes (id, externalId, meta), the core schema, each extension under its URN. */
export function resourceSchema(registry: SchemaRegistry, type: ResourceTypeDefinition): JsonSchema {
  const { core, extensions } = registry.schemasOf(type);
  const generated = resourceJsonSchema(registry, type, annotate);
  const properties = { ...(generated.properties as Record<string, JsonSchema>) };
  properties.schemas = { type: 'array', items: { type: 'string' }, description: `URNs of the schemas the resource uses: ${core.id} and any extension` };
  const required = requiredOf([...registry.commonAttributes, ...core.attributes]);
  for (const extension of extensions) {
    properties[extension.schema.id] = { ...withRequired(properties[extension.schema.id], extension.schema.attributes), description: extension.schema.description ?? extension.schema.name };
    if (extension.required) required.push(extension.schema.id);
  }
  return { ...generated, description: core.description ?? core.name, properties, ...(required.length ? { required } : {}) };
}

// Schema and ResourceType representations (RFC 7643 §6, §7), generated from the registry.
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from '../../scim/schema/attribute';
import { URN } from '../../scim/urns';

export function schemaRepresentation(schema: SchemaDefinition, location: string): Record<string, unknown> {
  return {
    schemas: [URN.core.schema],
    id: schema.id,
    name: schema.name,
    ...(schema.description ? { description: schema.description } : {}),
    attributes: schema.attributes.map(attributeRepresentation),
    meta: { resourceType: 'Schema', location },
  };
}

function attributeRepresentation(attribute: AttributeDefinition): Record<string, unknown> {
  return {
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued,
    ...(attribute.description ? { description: attribute.description } : {}),
    required: attribute.required,
    caseExact: attribute.caseExact,
    mutability: attribute.mutability,
    returned: attribute.returned,
    uniqueness: attribute.uniqueness,
    ...(attribute.canonicalValues ? { canonicalValues: attribute.canonicalValues } : {}),
    ...(attribute.referenceTypes ? { referenceTypes: attribute.referenceTypes } : {}),
    ...(attribute.subAttributes ? { subAttributes: attribute.subAttributes.map(attributeRepresentation) } : {}),
  };
}

export function resourceTypeRepresentation(type: ResourceTypeDefinition, location: string): Record<string, unknown> {
  return {
    schemas: [URN.core.resourceType],
    id: type.id,
    name: type.name,
    endpoint: type.endpoint,
    ...(type.description ? { description: type.description } : {}),
    schema: type.schema,
    schemaExtensions: type.schemaExtensions.map((ext) => ({ schema: ext.schema, required: ext.required })),
    meta: { resourceType: 'ResourceType', location },
  };
}

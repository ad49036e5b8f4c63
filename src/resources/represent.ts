// Turns a stored resource into its SCIM representation (meta with absolute location and version), then
// applies the one schema-driven projection.
import { versionToETag } from '../scim/etag';
import type { AttributeDefinition, ResourceTypeDefinition, ScimAttributes } from '../scim/schema/attribute';
import type { AttributeSelection } from '../scim/schema/attribute-selection';
import { projectResource, type ResourceMeta, type ResourceRepresentation } from '../scim/schema/project';
import type { SchemaRegistry } from '../scim/schema/registry';
import { UNVERSIONED_ATTRIBUTES, unversionedAttributesOf, type StoredResource } from '../store/resource-store';

/** `baseUrl` is the absolute SCIM base, e.g. `https://scim.example.com/scim/v2`, without a trailing slash. */
export function resourceLocation(baseUrl: string, type: ResourceTypeDefinition, id: string): string {
  return `${baseUrl}${type.endpoint}/${encodeURIComponent(id)}`;
}

function metaOf(type: ResourceTypeDefinition, stored: StoredResource, baseUrl: string): ResourceMeta {
  return {
    resourceType: type.name,
    created: stored.created,
    lastModified: stored.lastModified,
    location: resourceLocation(baseUrl, type, stored.id),
    version: versionToETag(stored.version),
  };
}

export function representResource(
  registry: SchemaRegistry,
  type: ResourceTypeDefinition,
  stored: StoredResource,
  baseUrl: string,
  selection: AttributeSelection,
  computed: ScimAttributes = {},
): Record<string, unknown> {
  const attributes = withUnversionedAttributes(registry, type, stored);
  const representation: ResourceRepresentation = { id: stored.id, attributes, computed, meta: metaOf(type, stored, baseUrl) };
  return projectResource(registry, type, representation, selection);
}

/**
 * The stored attributes with the unversioned attributes beside them (x-unversioned in a schema, kept in the unversioned
 * state: e.g. the last sign-in), so that a read shows them like any other attribute. Only attributes the schemas
 * declare unversioned are taken from the unversioned state: nothing there can stand in for a stored attribute.
 */
export function withUnversionedAttributes(registry: SchemaRegistry, type: ResourceTypeDefinition, stored: StoredResource): ScimAttributes {
  // Most resources have none (no sign-in yet): their stored attributes, without building an empty object to learn it.
  if (stored.unversioned.values[UNVERSIONED_ATTRIBUTES] === undefined) return stored.attributes;
  const unversioned = unversionedAttributesOf(stored.unversioned.values);
  if (Object.keys(unversioned).length === 0) return stored.attributes;
  const { core, extensions } = registry.schemasOf(type);
  const merged: ScimAttributes = { ...stored.attributes };
  const take = (definitions: readonly AttributeDefinition[], from: ScimAttributes, into: ScimAttributes) => {
    for (const definition of definitions) {
      if (definition.storage?.unversioned && from[definition.name] !== undefined) into[definition.name] = from[definition.name];
    }
  };
  take(core.attributes, unversioned, merged);
  for (const { schema } of extensions) {
    const from = unversioned[schema.id];
    if (typeof from !== 'object' || from === null || Array.isArray(from)) continue;
    const into: ScimAttributes = { ...((merged[schema.id] as ScimAttributes | undefined) ?? {}) };
    take(schema.attributes, from as ScimAttributes, into);
    if (Object.keys(into).length > 0) merged[schema.id] = into;
  }
  return merged;
}

/**
 * A resource without any of its data: `schemas`, `id` and `meta` only. What a write answers to a token that may not
 * read (no `scim:read`): it learns where the resource is and its version, nothing of what it holds.
 */
export function representIdentity(type: ResourceTypeDefinition, stored: StoredResource, baseUrl: string): Record<string, unknown> {
  return { schemas: [type.schema], id: stored.id, meta: metaOf(type, stored, baseUrl) };
}

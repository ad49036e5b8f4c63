// Turns a stored resource into its SCIM representation (meta with absolute location and version), then
// applies the one schema-driven projection.
import { versionToETag } from '../scim/etag';
import type { ResourceTypeDefinition, ScimAttributes } from '../scim/schema/attribute';
import type { AttributeSelection } from '../scim/schema/attribute-selection';
import { projectResource, type ResourceMeta, type ResourceRepresentation } from '../scim/schema/project';
import type { SchemaRegistry } from '../scim/schema/registry';
import type { StoredResource } from '../store/resource-store';

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
  const representation: ResourceRepresentation = { id: stored.id, attributes: { ...stored.attributes, ...computed }, meta: metaOf(type, stored, baseUrl) };
  return projectResource(registry, type, representation, selection);
}

/**
 * A resource without any of its data: `schemas`, `id` and `meta` only. What a write answers to a token that may not
 * read (no `scim:read`): it learns where the resource is and its version, nothing of what it holds.
 */
export function representIdentity(type: ResourceTypeDefinition, stored: StoredResource, baseUrl: string): Record<string, unknown> {
  return { schemas: [type.schema], id: stored.id, meta: metaOf(type, stored, baseUrl) };
}

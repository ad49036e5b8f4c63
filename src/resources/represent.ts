// Turns a stored resource into its SCIM representation (meta with absolute location and version), then
// applies the one schema-driven projection.
import { versionToETag } from '../scim/etag';
import type { ResourceTypeDefinition, ScimAttributes } from '../scim/schema/attribute';
import type { AttributeSelection } from '../scim/schema/attribute-selection';
import { projectResource, type ResourceRepresentation } from '../scim/schema/project';
import type { SchemaRegistry } from '../scim/schema/registry';
import type { StoredResource } from '../store/resource-store';

/** `baseUrl` is the absolute SCIM base, e.g. `https://scim.example.com/scim/v2`, without a trailing slash. */
export function resourceLocation(baseUrl: string, type: ResourceTypeDefinition, id: string): string {
  return `${baseUrl}${type.endpoint}/${encodeURIComponent(id)}`;
}

export function representResource(
  registry: SchemaRegistry,
  type: ResourceTypeDefinition,
  stored: StoredResource,
  baseUrl: string,
  selection: AttributeSelection,
  computed: ScimAttributes = {},
): Record<string, unknown> {
  const representation: ResourceRepresentation = {
    id: stored.id,
    attributes: { ...stored.attributes, ...computed },
    meta: {
      resourceType: type.name,
      created: stored.created,
      lastModified: stored.lastModified,
      location: resourceLocation(baseUrl, type, stored.id),
      version: versionToETag(stored.version),
    },
  };
  return projectResource(registry, type, representation, selection);
}

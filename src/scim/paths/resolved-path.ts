import type { AttributeDefinition } from '../schema/attribute';

/**
 * An attribute path resolved against a resource type's schemas (RFC 7644 §3.10), with canonical names.
 * `attribute` is the top-level attribute; `subAttribute` is set for `name.givenName`-style paths.
 * Common attributes (RFC 7643 §3.1: id, externalId, meta) resolve with `schemaUrn` = COMMON_SCHEMA.
 */
export interface ResolvedPath {
  /** URN of the schema the attribute belongs to (core, extension or COMMON_SCHEMA). */
  readonly schemaUrn: string;
  /** True when the attribute lives under its extension's URN key in the resource JSON. */
  readonly inExtension: boolean;
  readonly attribute: AttributeDefinition;
  readonly subAttribute?: AttributeDefinition;
}

/** Pseudo-schema id for the common attributes id, externalId and meta (RFC 7643 §3.1). */
export const COMMON_SCHEMA = 'common';

/** The definition that carries the value's characteristics: the sub-attribute when there is one. */
export function leafOf(path: ResolvedPath): AttributeDefinition {
  return path.subAttribute ?? path.attribute;
}

/** Canonical dotted name, e.g. `name.givenName`, or `urn:…:User:manager.value` for extension attributes. */
export function pathToString(path: ResolvedPath): string {
  const local = path.subAttribute ? `${path.attribute.name}.${path.subAttribute.name}` : path.attribute.name;
  return path.inExtension ? `${path.schemaUrn}:${local}` : local;
}

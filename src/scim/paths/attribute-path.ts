// Attribute paths (RFC 7644 §3.10: `attr`, `attr.sub`, `urn:…:attr[.sub]`) resolved against a resource type.
// This is the one place where attribute names are compared: everything else works on ResolvedPath.
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from '../schema/attribute';
import { findAttribute, type SchemaRegistry } from '../schema/registry';
import { COMMON_SCHEMA, type ResolvedPath } from './resolved-path';

/** The schemas a path may name for one resource type, longest URN first so that prefixes never shadow. */
interface PathScope {
  readonly core: SchemaDefinition;
  readonly extensions: readonly SchemaDefinition[];
  readonly common: readonly AttributeDefinition[];
}

function scopeOf(registry: SchemaRegistry, resourceType: ResourceTypeDefinition): PathScope {
  const { core, extensions } = registry.schemasOf(resourceType);
  return { core, extensions: extensions.map((ext) => ext.schema), common: registry.commonAttributes };
}

/** Result of resolving a path that names a whole extension schema (e.g. in `attributes=` or a PATCH path). */
export interface ResolvedSchema {
  readonly schema: SchemaDefinition;
  readonly inExtension: boolean;
}

/**
 * If `text` is exactly the URN of the resource type's core schema or one of its extensions, returns it.
 */
export function resolveSchemaUrn(registry: SchemaRegistry, resourceType: ResourceTypeDefinition, text: string): ResolvedSchema | undefined {
  const scope = scopeOf(registry, resourceType);
  const wanted = text.toLowerCase();
  if (scope.core.id.toLowerCase() === wanted) return { schema: scope.core, inExtension: false };
  const extension = scope.extensions.find((schema) => schema.id.toLowerCase() === wanted);
  return extension ? { schema: extension, inExtension: true } : undefined;
}

/** A path or key under a schema URN that is neither the resource type's core schema nor one of its extensions. */
export interface ForeignSchema {
  /** The schema it names when the server knows it (a schema of another resource type); undefined when unknown. */
  readonly known?: SchemaDefinition;
  /** The resource type's own schema URNs, core first, for error details. */
  readonly own: readonly string[];
}

/**
 * For `urn:…:acme:2.0:User:costCenter` or `urn:…:acme:2.0:User` on a type without that extension: what it names.
 * Undefined for text that is not a URN or lies under one of the type's own schemas (that is an attribute question).
 */
export function resolveForeignSchema(registry: SchemaRegistry, resourceType: ResourceTypeDefinition, text: string): ForeignSchema | undefined {
  const lower = text.trim().toLowerCase();
  if (!lower.startsWith('urn:')) return undefined;
  const scope = scopeOf(registry, resourceType);
  const own = [scope.core, ...scope.extensions];
  const under = (schema: SchemaDefinition) => lower === schema.id.toLowerCase() || lower.startsWith(`${schema.id.toLowerCase()}:`);
  if (own.some(under)) return undefined;
  const known = [...registry.schemas].sort((x, y) => y.id.length - x.id.length).find(under);
  return { ...(known ? { known } : {}), own: own.map((schema) => schema.id) };
}

/**
 * Resolves `userName`, `name.givenName`, `meta.lastModified`, `urn:…:User:userName` or
 * `urn:…:enterprise:2.0:User:manager.value` to canonical definitions; undefined when nothing matches.
 * Unqualified names are looked up in the common attributes, then the core schema, then (as a tolerance for
 * clients that leave the URN off) the extensions, when exactly one extension has the name.
 */
export function resolveAttributePath(registry: SchemaRegistry, resourceType: ResourceTypeDefinition, text: string): ResolvedPath | undefined {
  const scope = scopeOf(registry, resourceType);
  const trimmed = text.trim();
  if (trimmed.toLowerCase().startsWith('urn:')) return resolveQualified(scope, trimmed);

  const [attributeName, subName, extra] = trimmed.split('.');
  if (extra !== undefined || !attributeName) return undefined;

  const common = findAttribute(scope.common, attributeName);
  if (common) return withSub({ schemaUrn: COMMON_SCHEMA, inExtension: false, attribute: common }, subName);
  const core = findAttribute(scope.core.attributes, attributeName);
  if (core) return withSub({ schemaUrn: scope.core.id, inExtension: false, attribute: core }, subName);
  const inExtensions = scope.extensions
    .map((schema) => ({ schema, attribute: findAttribute(schema.attributes, attributeName) }))
    .filter((hit): hit is { schema: SchemaDefinition; attribute: AttributeDefinition } => hit.attribute !== undefined);
  if (inExtensions.length !== 1) return undefined;
  const [hit] = inExtensions;
  return withSub({ schemaUrn: hit.schema.id, inExtension: true, attribute: hit.attribute }, subName);
}

/** Resolves a sub-attribute name of a complex attribute path (used inside value filters: `emails[type eq …]`). */
export function resolveSubAttribute(parent: ResolvedPath, name: string): ResolvedPath | undefined {
  if (parent.subAttribute) return undefined;
  return withSub(parent, name);
}

function resolveQualified(scope: PathScope, text: string): ResolvedPath | undefined {
  const lower = text.toLowerCase();
  const candidates = [
    { schema: scope.core, inExtension: false },
    ...scope.extensions.map((schema) => ({ schema, inExtension: true })),
  ].sort((a, b) => b.schema.id.length - a.schema.id.length);
  for (const { schema, inExtension } of candidates) {
    const prefix = `${schema.id.toLowerCase()}:`;
    if (!lower.startsWith(prefix)) continue;
    const [attributeName, subName, extra] = text.slice(prefix.length).split('.');
    if (extra !== undefined || !attributeName) return undefined;
    const attribute = findAttribute(schema.attributes, attributeName);
    if (attribute) return withSub({ schemaUrn: schema.id, inExtension, attribute }, subName);
    // RFC 7643 §3.1: common attributes may also be written with the core URN (e.g. `urn:…:User:id`).
    const common = inExtension ? undefined : findAttribute(scope.common, attributeName);
    return common ? withSub({ schemaUrn: COMMON_SCHEMA, inExtension: false, attribute: common }, subName) : undefined;
  }
  return undefined;
}

function withSub(path: ResolvedPath, subName: string | undefined): ResolvedPath | undefined {
  if (subName === undefined) return path;
  if (path.attribute.type !== 'complex') return undefined;
  const subAttribute = findAttribute(path.attribute.subAttributes, subName);
  return subAttribute ? { ...path, subAttribute } : undefined;
}

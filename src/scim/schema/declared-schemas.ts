// The schemas a resource body names and uses (RFC 7643 §3): "schemas" is REQUIRED, names the schemas whose
// attributes the body carries, and "MUST only contain values defined as 'schema' and 'schemaExtensions' for the
// resource's defined 'resourceType'". A body that breaks this is refused with 400 invalidSyntax naming the URN
// (README "Errors"): it does not conform to the resource's schema, and guessing what the client meant would store
// attributes under a schema it never declared, or drop ones it did.
//
// One exception, for every tenant (README "Unknown schema URNs"): a URN the server does not know at all, listed in
// "schemas" with no attributes under it in the body, is ignored. Microsoft documents Entra ID's Create Group with
// `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group` in "schemas" and nothing under it;
// ignoring a declaration that carries nothing loses nothing, while refusing it would refuse every group Entra ID
// pushes. Attributes under an unknown URN are still refused, and a schema of another resource type is refused even
// when nothing is under it: that is a mistake, not a schema the server lacks.
//
// One tolerance, per tenant (README "Tolerances"): URNs the server does not know at all may carry attributes too, which
// are then left out (`unknownSchemas: ignore`), for identity providers that send extensions the tenant has not defined.
import { scimErrors } from '../errors';
import type { ResourceTypeDefinition } from './attribute';
import type { SchemaRegistry } from './registry';

/** What to do with attributes under a schema URN the server does not know: refuse the request (default) or drop them. */
export const UnknownSchemaPolicy = { reject: 'reject', ignore: 'ignore' } as const;
export type UnknownSchemaPolicy = (typeof UnknownSchemaPolicy)[keyof typeof UnknownSchemaPolicy];

/** What canonicaliseInput saw of the schemas in a body. */
export interface SchemaUse {
  /** The `schemas` value as a list (a single value taken as a list of one); undefined when the body has none. */
  readonly declared?: readonly unknown[];
  /** Canonical ids of the resource type's extensions whose key carries attributes (a non-null value). */
  readonly extensionsUsed: readonly string[];
  /** Keys that are schema URIs of neither the core schema nor an extension of the resource type, and carry attributes. */
  readonly foreignKeys: readonly string[];
}

/** The start of a URI (RFC 3986 §3.1: a scheme, then ":"). Schema ids are URIs; no attribute name holds a colon (RFC 7643 §2.1). */
const URI_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

export function isSchemaUri(text: string): boolean {
  return URI_SCHEME.test(text);
}

/** Throws 400 invalidSyntax when the body's schemas break RFC 7643 §3 (URNs compared case-insensitively, §2.1). */
export function checkDeclaredSchemas(registry: SchemaRegistry, type: ResourceTypeDefinition, use: SchemaUse, policy: UnknownSchemaPolicy): void {
  const { core, extensions } = registry.schemasOf(type);
  const own = [core.id, ...extensions.map((extension) => extension.schema.id)];
  const ownList = `the schemas of ${type.name} are ${own.map((urn) => `"${urn}"`).join(', ')}`;
  const isOwn = (urn: string) => own.some((id) => id.toLowerCase() === urn.toLowerCase());

  if (use.declared === undefined) {
    throw scimErrors.invalidSyntax(`"schemas" is required: a ${type.name} lists "${core.id}" and the URN of each extension whose attributes it carries (RFC 7643 §3)`);
  }
  if (!use.declared.every((urn): urn is string => typeof urn === 'string' && isSchemaUri(urn))) {
    throw scimErrors.invalidSyntax(`"schemas" must be a list of schema URNs (strings such as "${core.id}"); ${ownList}`);
  }
  for (const urn of use.declared) {
    // Listed without attributes, a URN nobody defined is ignored (see above); with attributes, the keys below refuse it.
    if (!isOwn(urn) && registry.schema(urn)) {
      throw scimErrors.invalidSyntax(`"schemas" lists "${urn}", a schema of another resource type; ${ownList} (RFC 7643 §3)`);
    }
  }
  if (!use.declared.some((urn) => urn.toLowerCase() === core.id.toLowerCase())) {
    const listed = use.declared.length === 0 ? 'it lists nothing' : `it lists ${use.declared.map((urn) => `"${urn}"`).join(', ')}`;
    throw scimErrors.invalidSyntax(`"schemas" must list "${core.id}", the core schema of ${type.name}; ${listed} (RFC 7643 §3)`);
  }
  for (const key of use.foreignKeys) {
    const known = registry.schema(key);
    if (!known && policy === UnknownSchemaPolicy.ignore) continue;
    const what = known ? 'a schema of another resource type' : 'a schema this server does not know';
    throw scimErrors.invalidSyntax(`The body carries attributes under "${key}", ${what}; ${ownList} (RFC 7643 §3)`);
  }
  for (const urn of use.extensionsUsed) {
    if (!use.declared.some((declared) => declared.toLowerCase() === urn.toLowerCase())) {
      throw scimErrors.invalidSyntax(`The body carries attributes of the extension "${urn}", but "schemas" does not list it (RFC 7643 §3: "schemas" names the schemas of the attributes present)`);
    }
  }
}

// The schemas a resource body names and uses (RFC 7643 §3): "schemas" is REQUIRED, names the schemas whose
// attributes the body carries, and "MUST only contain values defined as 'schema' and 'schemaExtensions' for the
// resource's defined 'resourceType'". A body that breaks this is refused with 400 invalidSyntax naming the URN
// (README "Errors"): it does not conform to the resource's schema, and guessing what the client meant would store
// attributes under a schema it never declared, or drop ones it did.
//
// One tolerance, per tenant (README "Tolerances"): URNs the server does not know at all, in "schemas" or as an
// extension key, may be ignored instead (`unknownSchemas: ignore`), for identity providers that send extensions the
// tenant has not defined. A schema the server knows for another resource type is refused either way.
import { scimErrors } from '../errors';
import type { ResourceTypeDefinition } from './attribute';
import type { SchemaRegistry } from './registry';

/** What to do with a schema URN the server does not know: refuse the request (default) or ignore the URN. */
export const UnknownSchemaPolicy = { reject: 'reject', ignore: 'ignore' } as const;
export type UnknownSchemaPolicy = (typeof UnknownSchemaPolicy)[keyof typeof UnknownSchemaPolicy];

/** What canonicaliseInput saw of the schemas in a body. */
export interface SchemaUse {
  /** The `schemas` value as a list (a single value taken as a list of one); undefined when the body has none. */
  readonly declared?: readonly unknown[];
  /** Canonical ids of the resource type's extensions whose key carries attributes (a non-null value). */
  readonly extensionsUsed: readonly string[];
  /** Keys that look like schema URNs and name neither the core schema nor an extension of the resource type. */
  readonly foreignKeys: readonly string[];
}

/** Throws 400 invalidSyntax when the body's schemas break RFC 7643 §3 (URNs compared case-insensitively, §2.1). */
export function checkDeclaredSchemas(registry: SchemaRegistry, type: ResourceTypeDefinition, use: SchemaUse, policy: UnknownSchemaPolicy): void {
  const { core, extensions } = registry.schemasOf(type);
  const own = [core.id, ...extensions.map((extension) => extension.schema.id)];
  const ownList = `the schemas of ${type.name} are ${own.map((urn) => `"${urn}"`).join(', ')}`;
  const isOwn = (urn: string) => own.some((id) => id.toLowerCase() === urn.toLowerCase());
  // A schema of another resource type is a mistake whatever the policy; only URNs nobody defined may be ignored.
  const refuseForeign = (urn: string, where: string) => {
    const known = registry.schema(urn);
    if (!known && policy === UnknownSchemaPolicy.ignore) return;
    const what = known ? `a schema of another resource type` : 'a schema this server does not know';
    throw scimErrors.invalidSyntax(`${where} "${urn}", ${what}; ${ownList} (RFC 7643 §3)`);
  };

  if (use.declared === undefined) {
    throw scimErrors.invalidSyntax(`"schemas" is required: a ${type.name} lists "${core.id}" and the URN of each extension whose attributes it carries (RFC 7643 §3)`);
  }
  if (!use.declared.every((urn): urn is string => typeof urn === 'string')) {
    throw scimErrors.invalidSyntax(`"schemas" must be a list of schema URNs (strings), e.g. ["${core.id}"]`);
  }
  for (const urn of use.declared) if (!isOwn(urn)) refuseForeign(urn, '"schemas" lists');
  if (!use.declared.some((urn) => urn.toLowerCase() === core.id.toLowerCase())) {
    throw scimErrors.invalidSyntax(`"schemas" must list "${core.id}", the core schema of ${type.name} (RFC 7643 §3)`);
  }
  for (const key of use.foreignKeys) refuseForeign(key, 'The body carries attributes under');
  for (const urn of use.extensionsUsed) {
    if (!use.declared.some((declared) => declared.toLowerCase() === urn.toLowerCase())) {
      throw scimErrors.invalidSyntax(`The body carries attributes of the extension "${urn}", but "schemas" does not list it (RFC 7643 §3: "schemas" names the schemas of the attributes present)`);
    }
  }
}

// The most values one multi-valued attribute of a stored resource may hold (README "Configuration",
// SCIM_MAX_ATTRIBUTE_VALUES). Every value is stored, indexed and returned with the resource, so an unbounded list is a
// way for one client to make every read and write of that resource slow. RFC 7644 §3.12 `tooMany` ("more than the
// server is willing to process") answers it, with a detail naming the attribute, the count and the limit.
// Attributes kept outside the resource document (Group members, a relation of their own) are not counted: callers pass
// the document's attributes.
import { scimErrors } from '../errors';
import type { AttributeDefinition, ResourceTypeDefinition, ScimAttributes } from './attribute';
import type { SchemaRegistry } from './registry';

/** The default of SCIM_MAX_ATTRIBUTE_VALUES. */
export const DEFAULT_MAX_ATTRIBUTE_VALUES = 1000;

/**
 * Refuses `attributes` when a multi-valued attribute holds more than `limit` values and more than it held in
 * `previous` (a resource stored before the limit was lowered can still be changed, but its lists cannot grow).
 */
export function assertValueLimit(
  registry: SchemaRegistry,
  type: ResourceTypeDefinition,
  attributes: ScimAttributes,
  limit: number,
  previous: ScimAttributes = {},
): void {
  const { core, extensions } = registry.schemasOf(type);
  check(core.attributes, attributes, previous, limit, '');
  for (const { schema } of extensions) {
    check(schema.attributes, asObject(attributes[schema.id]), asObject(previous[schema.id]), limit, `${schema.id}:`);
  }
}

function check(definitions: readonly AttributeDefinition[], attributes: ScimAttributes, previous: ScimAttributes, limit: number, prefix: string): void {
  for (const definition of definitions) {
    const value = attributes[definition.name];
    if (value === undefined || value === null) continue;
    if (definition.multiValued && Array.isArray(value) && value.length > limit && value.length > countOf(previous[definition.name])) {
      throw scimErrors.tooMany(
        `Attribute '${prefix}${definition.name}' would hold ${value.length} values; a resource may hold at most ${limit} values in one ` +
          'multi-valued attribute (SCIM_MAX_ATTRIBUTE_VALUES). Remove values it no longer needs, or ask the operator to raise the limit',
      );
    }
    if (definition.type === 'complex' && definition.subAttributes?.some((sub) => sub.multiValued)) {
      const elements = Array.isArray(value) ? value : [value];
      const before = Array.isArray(previous[definition.name]) ? (previous[definition.name] as unknown[]) : [previous[definition.name]];
      elements.forEach((element, position) => {
        check(definition.subAttributes ?? [], asObject(element), asObject(before[position]), limit, `${prefix}${definition.name}.`);
      });
    }
  }
}

function countOf(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

function asObject(value: unknown): ScimAttributes {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as ScimAttributes) : {};
}

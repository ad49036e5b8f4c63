// Shapes a resource for the wire, once, from the schema: RFC 7643 §2.2 `returned` (always / never / default /
// request) combined with the `attributes` / `excludedAttributes` selection of RFC 7644 §3.9.
import type { AttributeDefinition, ResourceTypeDefinition, ScimAttributes } from './attribute';
import type { AttributeSelection, SelectionEntry } from './attribute-selection';
import type { SchemaRegistry } from './registry';
import { COMMON_SCHEMA } from '../paths/resolved-path';

export interface ResourceMeta {
  readonly resourceType: string;
  readonly created: string;
  readonly lastModified: string;
  readonly location: string;
  readonly version: string;
}

export interface ResourceRepresentation {
  readonly id: string;
  readonly attributes: ScimAttributes;
  readonly meta: ResourceMeta;
}

/**
 * Builds the SCIM JSON of a resource: `schemas` (core plus each extension that has a value), `id`, the
 * attributes in schema order, extensions, then `meta`, keeping only what `returned` and the selection allow.
 */
export function projectResource(
  registry: SchemaRegistry,
  resourceType: ResourceTypeDefinition,
  resource: ResourceRepresentation,
  selection: AttributeSelection,
): Record<string, unknown> {
  const { core, extensions } = registry.schemasOf(resourceType);
  const output: Record<string, unknown> = { schemas: [core.id] };
  const schemaList = output.schemas as string[];
  const common = { id: resource.id, externalId: resource.attributes.externalId, meta: resource.meta } as ScimAttributes;

  for (const attribute of registry.commonAttributes) {
    if (attribute.name === 'meta') continue; // written last, after the extensions, by convention of RFC examples
    const value = shapeAttribute(attribute, common[attribute.name], selectionFor(selection, COMMON_SCHEMA, attribute));
    if (value !== undefined) output[attribute.name] = value;
  }
  for (const attribute of core.attributes) {
    const value = shapeAttribute(attribute, resource.attributes[attribute.name], selectionFor(selection, core.id, attribute));
    if (value !== undefined) output[attribute.name] = value;
  }
  for (const { schema } of extensions) {
    const stored = resource.attributes[schema.id] as ScimAttributes | undefined;
    if (!stored) continue;
    const whole = selection.schemas.includes(schema.id);
    const shaped: ScimAttributes = {};
    for (const attribute of schema.attributes) {
      const attributeSelection = whole && selection.mode === 'include' ? wholeAttribute : selectionFor(selection, schema.id, attribute);
      const value = whole && selection.mode === 'exclude' ? undefined : shapeAttribute(attribute, stored[attribute.name], attributeSelection);
      if (value !== undefined) shaped[attribute.name] = value;
    }
    if (Object.keys(shaped).length > 0) {
      output[schema.id] = shaped;
      schemaList.push(schema.id);
    }
  }
  const meta = registry.commonAttributes.find((attribute) => attribute.name === 'meta');
  if (meta) {
    const value = shapeAttribute(meta, resource.meta, selectionFor(selection, COMMON_SCHEMA, meta));
    if (value !== undefined) output.meta = value;
  }
  return output;
}

/** How one attribute is selected: not mentioned, named itself, or through some of its sub-attributes. */
interface AttributeSelectionState {
  readonly mode: AttributeSelection['mode'];
  readonly whole: boolean;
  readonly subAttributes: readonly string[];
}

const wholeAttribute: AttributeSelectionState = { mode: 'include', whole: true, subAttributes: [] };

function selectionFor(selection: AttributeSelection, schemaUrn: string, attribute: AttributeDefinition): AttributeSelectionState {
  if (selection.mode === 'default') return { mode: 'default', whole: false, subAttributes: [] };
  const mine = selection.entries.filter((entry: SelectionEntry) => entry.path.schemaUrn === schemaUrn && entry.path.attribute === attribute);
  return {
    mode: selection.mode,
    whole: mine.some((entry) => entry.path.subAttribute === undefined),
    subAttributes: mine.flatMap((entry) => (entry.path.subAttribute ? [entry.path.subAttribute.name] : [])),
  };
}

function shapeAttribute(attribute: AttributeDefinition, value: unknown, state: AttributeSelectionState): unknown {
  if (value === undefined || value === null || attribute.returned === 'never') return undefined;
  if (attribute.returned !== 'always') {
    const named = state.whole || state.subAttributes.length > 0;
    if (state.mode === 'include' && !named) return undefined;
    if (state.mode === 'exclude' && state.whole) return undefined;
    if (state.mode !== 'include' && attribute.returned === 'request' && !named) return undefined;
  }
  if (attribute.type !== 'complex') return value;
  const subSelection = (sub: AttributeDefinition): AttributeSelectionState => {
    const named = state.subAttributes.includes(sub.name);
    if (state.mode === 'include') return { mode: 'include', whole: state.whole || named, subAttributes: [] };
    return { mode: state.mode, whole: named, subAttributes: [] };
  };
  const shapeComplex = (element: unknown): unknown => {
    if (typeof element !== 'object' || element === null) return undefined;
    const shaped: ScimAttributes = {};
    for (const sub of attribute.subAttributes ?? []) {
      const subValue = shapeAttribute(sub, (element as ScimAttributes)[sub.name], subSelection(sub));
      if (subValue !== undefined) shaped[sub.name] = subValue;
    }
    return Object.keys(shaped).length > 0 ? shaped : undefined;
  };
  if (attribute.multiValued) {
    const elements = (Array.isArray(value) ? value : [value]).map(shapeComplex).filter((element) => element !== undefined);
    return elements.length > 0 ? elements : undefined;
  }
  return shapeComplex(value);
}

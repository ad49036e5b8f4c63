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
  /**
   * Attributes the server computes on read (User.groups, Group.members), taken instead of a stored attribute of the same
   * name. Kept apart rather than merged into a copy of `attributes`: adding a key to a copy of a stored document made
   * every later lookup in it several times slower (a list page of users with their groups spent most of its shaping there).
   */
  readonly computed?: ScimAttributes;
  readonly meta: ResourceMeta;
}

/** The value of a top-level attribute (or of an extension, by its URN): computed, else stored. */
function attributeOf(resource: ResourceRepresentation, name: string): unknown {
  const { computed } = resource;
  return computed !== undefined && Object.hasOwn(computed, name) ? computed[name] : resource.attributes[name];
}

/**
 * Builds the SCIM JSON of a resource: `schemas` (core plus each extension that has a value), `id`, the
 * attributes in schema order, extensions, then `meta`, keeping only what `returned` and the selection allow.
 * Without `attributes` / `excludedAttributes` (most reads, every list page of a directory walk) it runs the plan
 * compiled once per resource type for that case (see compileDefaultPlan), which gives the same JSON as
 * projectWithSelection, key order included, without deciding again for every attribute of every resource.
 */
export function projectResource(
  registry: SchemaRegistry,
  resourceType: ResourceTypeDefinition,
  resource: ResourceRepresentation,
  selection: AttributeSelection,
): Record<string, unknown> {
  if (selection.mode === 'default') return projectByPlan(defaultPlanOf(registry, resourceType), resource);
  return projectWithSelection(registry, resourceType, resource, selection);
}

/**
 * projectResource for any selection, deciding per attribute from its characteristics and the selection: the general
 * path, and the definition the compiled default plan is tested against.
 */
export function projectWithSelection(
  registry: SchemaRegistry,
  resourceType: ResourceTypeDefinition,
  resource: ResourceRepresentation,
  selection: AttributeSelection,
): Record<string, unknown> {
  const { core, extensions } = registry.schemasOf(resourceType);
  const output: Record<string, unknown> = { schemas: [core.id] };
  const schemaList = output.schemas as string[];
  const common = { id: resource.id, externalId: attributeOf(resource, 'externalId'), meta: resource.meta } as ScimAttributes;

  for (const attribute of registry.commonAttributes) {
    if (attribute.name === 'meta') continue; // written last, after the extensions, by convention of RFC examples
    const value = shapeAttribute(attribute, common[attribute.name], selectionFor(selection, COMMON_SCHEMA, attribute));
    if (value !== undefined) output[attribute.name] = value;
  }
  for (const attribute of core.attributes) {
    const value = shapeAttribute(attribute, attributeOf(resource, attribute.name), selectionFor(selection, core.id, attribute));
    if (value !== undefined) output[attribute.name] = value;
  }
  for (const { schema } of extensions) {
    const stored = attributeOf(resource, schema.id) as ScimAttributes | undefined;
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

/** What a default projection keeps of one value (undefined: nothing), compiled from the attribute's characteristics. */
type Shaper = (value: unknown) => unknown;

/** The attributes of one schema (or of a complex attribute) a default projection returns, in schema order. */
type ShapedAttributes = ReadonlyArray<readonly [name: string, shape: Shaper]>;

interface DefaultPlan {
  readonly coreSchema: string;
  /** The common attributes before the core ones (`id`, `externalId`); `meta` comes last, after the extensions. */
  readonly common: ShapedAttributes;
  readonly core: ShapedAttributes;
  readonly extensions: ReadonlyArray<readonly [schemaId: string, attributes: ShapedAttributes]>;
  readonly meta?: Shaper;
}

const plans = new WeakMap<SchemaRegistry, WeakMap<ResourceTypeDefinition, DefaultPlan>>();

function defaultPlanOf(registry: SchemaRegistry, resourceType: ResourceTypeDefinition): DefaultPlan {
  let ofRegistry = plans.get(registry);
  if (!ofRegistry) plans.set(registry, (ofRegistry = new WeakMap()));
  let plan = ofRegistry.get(resourceType);
  if (!plan) ofRegistry.set(resourceType, (plan = compileDefaultPlan(registry, resourceType)));
  return plan;
}

/**
 * The default projection decided once per resource type: RFC 7643 §2.2, without a selection an attribute is returned
 * unless its `returned` is "never" or "request", and the same holds for each sub-attribute of a complex one. What is
 * left per resource is to copy the values present, in schema order.
 */
function compileDefaultPlan(registry: SchemaRegistry, resourceType: ResourceTypeDefinition): DefaultPlan {
  const { core, extensions } = registry.schemasOf(resourceType);
  const meta = registry.commonAttributes.find((attribute) => attribute.name === 'meta');
  return {
    coreSchema: core.id,
    common: shapedAttributes(registry.commonAttributes.filter((attribute) => attribute.name !== 'meta')),
    core: shapedAttributes(core.attributes),
    extensions: extensions.map(({ schema }) => [schema.id, shapedAttributes(schema.attributes)] as const),
    ...(meta ? { meta: defaultShaper(meta) } : {}),
  };
}

function shapedAttributes(attributes: readonly AttributeDefinition[]): ShapedAttributes {
  const shaped: Array<readonly [string, Shaper]> = [];
  for (const attribute of attributes) {
    const shape = defaultShaper(attribute);
    if (shape) shaped.push([attribute.name, shape]);
  }
  return shaped;
}

const asIs: Shaper = (value) => value;

/** undefined when the attribute is never returned without a selection. */
function defaultShaper(attribute: AttributeDefinition): Shaper | undefined {
  if (attribute.returned === 'never' || attribute.returned === 'request') return undefined;
  if (attribute.type !== 'complex') return asIs;
  const subAttributes = shapedAttributes(attribute.subAttributes ?? []);
  const shapeElement: Shaper = (element) => (typeof element === 'object' && element !== null ? copyPresent(subAttributes, element as ScimAttributes) : undefined);
  if (!attribute.multiValued) return shapeElement;
  return (value) => {
    const elements: unknown[] = [];
    for (const element of Array.isArray(value) ? value : [value]) {
      const shaped = shapeElement(element);
      if (shaped !== undefined) elements.push(shaped);
    }
    return elements.length > 0 ? elements : undefined;
  };
}

/** The attributes of `from` the plan returns, shaped, in plan order; undefined when none is left. */
function copyPresent(attributes: ShapedAttributes, from: ScimAttributes): ScimAttributes | undefined {
  let shaped: ScimAttributes | undefined;
  for (const [name, shape] of attributes) {
    const value = presentShaped(shape, from[name]);
    if (value !== undefined) (shaped ??= {})[name] = value;
  }
  return shaped;
}

/** RFC 7643 §2.5: null is unassigned, like a missing value. */
function presentShaped(shape: Shaper, value: unknown): unknown {
  return value === undefined || value === null ? undefined : shape(value);
}

function projectByPlan(plan: DefaultPlan, resource: ResourceRepresentation): Record<string, unknown> {
  const schemas = [plan.coreSchema];
  const output: Record<string, unknown> = { schemas };
  for (const [name, shape] of plan.common) {
    const value = presentShaped(shape, name === 'id' ? resource.id : name === 'externalId' ? attributeOf(resource, name) : undefined);
    if (value !== undefined) output[name] = value;
  }
  for (const [name, shape] of plan.core) {
    const value = presentShaped(shape, attributeOf(resource, name));
    if (value !== undefined) output[name] = value;
  }
  for (const [schemaId, extensionAttributes] of plan.extensions) {
    const stored = attributeOf(resource, schemaId) as ScimAttributes | undefined;
    if (!stored) continue;
    const shaped = copyPresent(extensionAttributes, stored);
    if (shaped) {
      output[schemaId] = shaped;
      schemas.push(schemaId);
    }
  }
  if (plan.meta) {
    const value = presentShaped(plan.meta, resource.meta);
    if (value !== undefined) output.meta = value;
  }
  return output;
}

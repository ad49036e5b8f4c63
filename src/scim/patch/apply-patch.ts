// Applies parsed PATCH operations (RFC 7644 §3.5.2.1–§3.5.2.3) to a resource's attributes, in order, on a copy.
// Pure: the input is never mutated, so a failing operation leaves nothing half-applied (RFC 7644 §3.5.2: the
// operations of one request are atomic). Type, required and immutable checks on the result are the resource
// validator's (the same as PUT); here are the rules that depend on the operation itself:
//   - add to a multi-valued attribute appends; a value already present (every sub-attribute it names equal) is
//     not added twice. add/replace on a singular complex attribute merges sub-attributes (§3.5.2.3: sub-attributes
//     not specified are left unchanged).
//   - replace of a multi-valued attribute without a filter replaces all values; through a value filter it replaces
//     the matching values, and a filter that matches nothing is 400 noTarget (§3.5.2.3 SHALL).
//   - add through a value filter that matches nothing creates the value when the filter is `eq` comparisons joined
//     by `and` (`emails[type eq "work"].value`): the RFC is silent, and Entra ID sends exactly this for a user who
//     has no work email yet. Any other non-matching filter on add is 400 noTarget.
//   - remove through a filter removes the matching values only (none matching: nothing to do); remove of a
//     multi-valued attribute WITH a value (Entra: members + [{value}]) removes exactly those values, never all.
//   - a value given `primary: true` clears `primary` on the other values (RFC 7643 §2.4: at most one primary).
//   - readOnly targets are 400 mutability; an immutable value, once assigned, may not change (RFC 7643 §2.2).
// Cost: each operation costs the values it names plus (at most) the values stored, never their product: lookups go
// through value-index.ts, and consecutive appends to one attribute share one index (a client may send thousands).
//   - an operation that removes or unassigns a required attribute, a required sub-attribute or a required extension
//     is 400 mutability (RFC 7644 §3.5.2.2 SHALL), judged per operation, so a later `add` does not excuse it. A new
//     value that lacks a required sub-attribute is not a removal: the validator refuses it as invalidValue.
import { scimErrors } from '../errors';
import type { FilterAst } from '../filter/filter-ast';
import { matchesValueFilter } from '../filter/evaluate-filter';
import type { AttributeDefinition, ResourceTypeDefinition, ScimAttributes } from '../schema/attribute';
import { canonicaliseValue } from '../schema/canonicalise';
import { foldCase } from '../schema/fold-case';
import { findAttribute, type SchemaRegistry } from '../schema/registry';
import type { PatchOperation, PatchPath } from './patch-operation';
import { ContainmentIndex, isObject, removalMatcher, sameJson, stableJson } from './value-index';

export { sameJson, stableJson } from './value-index';

type Element = Record<string, unknown>;

/**
 * Containment indexes of multi-valued attributes, by the array they index. An entry exists only for an array whose
 * values are all assigned and unchanged since the index was built, so that appends by later operations of the same
 * request reuse it instead of re-reading every value.
 */
type IndexCache = WeakMap<unknown[], ContainmentIndex>;

export function applyPatch(
  registry: SchemaRegistry,
  type: ResourceTypeDefinition,
  attributes: ScimAttributes,
  operations: readonly PatchOperation[],
): { attributes: ScimAttributes; changed: boolean } {
  const requiredExtensions = new Set(registry.schemasOf(type).extensions.filter((extension) => extension.required).map((extension) => extension.schema.id));
  const working = structuredClone(attributes) as ScimAttributes;
  const indexes: IndexCache = new WeakMap();
  for (const operation of operations) applyOperation(working, operation, requiredExtensions, indexes);
  return { attributes: working, changed: !sameJson(working, attributes) };
}

function applyOperation(attributes: ScimAttributes, operation: PatchOperation, requiredExtensions: ReadonlySet<string>, indexes: IndexCache): void {
  const { path } = operation;
  if (!path) {
    throw scimErrors.noTarget(`Operation ${operation.index}: "${operation.op}" has no "path"; parsePatchRequest expands path-less values into paths`);
  }
  const where = `Operation ${operation.index} (${operation.op} '${path.text}')`;
  const definition = path.attribute.attribute;
  if (definition.mutability === 'readOnly' || path.subAttribute?.mutability === 'readOnly') {
    const name = path.subAttribute ? `${definition.name}.${path.subAttribute.name}` : definition.name;
    throw scimErrors.mutability(`${where}: '${name}' is readOnly and cannot be changed (RFC 7643 §2.2)`);
  }

  const container = containerOf(attributes, path);
  const current = container[definition.name];
  // The working copy is the operation's to change; only the immutability check needs the value as it was.
  const before = hasImmutablePart(definition) && current !== undefined ? structuredClone(current) : current;
  const target = new Target(where, path, current, indexes);
  switch (operation.op) {
    case 'add':
      target.add(operation.value);
      break;
    case 'replace':
      target.replace(operation.value);
      break;
    case 'remove':
      target.remove(operation.value);
      break;
  }
  const after = target.result();
  assertImmutable(where, definition, before, after);
  assertRequiredKept(where, operation, path, after);
  if (isAssigned(after)) container[definition.name] = after;
  else delete container[definition.name];
  if (path.attribute.inExtension && Object.keys(container).length === 0) {
    if (requiredExtensions.has(path.attribute.schemaUrn)) {
      throw scimErrors.mutability(`${where}: the schema extension '${path.attribute.schemaUrn}' is required and cannot be removed (RFC 7644 §3.5.2.2)`);
    }
    delete attributes[path.attribute.schemaUrn];
  }
}

// RFC 7644 §3.5.2.2: "If an attribute is removed or becomes unassigned and is defined as a required attribute [...]
// the server SHALL return [...] a "scimType" error code of "mutability"." A required sub-attribute is removed when
// the operation removes it or writes nothing into it, whether or not its complex value survives.
function assertRequiredKept(where: string, operation: PatchOperation, path: PatchPath, after: unknown): void {
  const definition = path.attribute.attribute;
  const sub = path.subAttribute;
  const unassigned = sub
    ? sub.required && (operation.op === 'remove' || !isAssigned(canonicaliseValue(sub, operation.value)))
    : definition.required && !isAssigned(after);
  if (!unassigned) return;
  const name = sub ? `${definition.name}.${sub.name}` : definition.name;
  throw scimErrors.mutability(`${where}: '${name}' is required and cannot be removed or left unassigned (RFC 7644 §3.5.2.2)`);
}

/** The object holding the attribute: the resource itself, or its extension object (created on demand). */
function containerOf(attributes: ScimAttributes, path: PatchPath): Record<string, unknown> {
  if (!path.attribute.inExtension) return attributes;
  const existing = attributes[path.attribute.schemaUrn];
  if (isObject(existing)) return existing;
  const created: Record<string, unknown> = {};
  attributes[path.attribute.schemaUrn] = created;
  return created;
}

/** One operation's work on one attribute value; `result()` is the attribute's new value (undefined: unassigned). */
class Target {
  private value: unknown;
  /** Values this operation wrote, for the primary rule. */
  private readonly touched: Element[] = [];
  private readonly definition: AttributeDefinition;
  private readonly sub?: AttributeDefinition;
  private readonly filter?: FilterAst;
  /** Set when the operation only appended values through this index: the array stays clean and indexed. */
  private appendedThrough?: ContainmentIndex;

  constructor(
    private readonly where: string,
    path: PatchPath,
    current: unknown,
    private readonly indexes: IndexCache,
  ) {
    this.definition = path.attribute.attribute;
    this.sub = path.subAttribute;
    this.filter = path.valueFilter;
    this.value = current;
  }

  result(): unknown {
    if (this.definition.multiValued && Array.isArray(this.value)) {
      const appended = this.appendedThrough;
      const elements = appended ? this.value : this.value.filter(isAssigned);
      const primaryMoved = this.applyPrimaryRule(elements);
      // Taking `primary` from a value changes it, so the index no longer describes the array.
      if (appended && primaryMoved) this.indexes.delete(elements);
      else if (appended) this.indexes.set(elements, appended);
      return elements.length > 0 ? elements : undefined;
    }
    if (isObject(this.value) && Object.keys(this.value).length === 0) return undefined;
    return this.value;
  }

  add(raw: unknown): void {
    if (this.filter) {
      const matches = this.matching();
      if (matches.length === 0) {
        const seed = seedFromFilter(this.filter);
        if (!seed) throw scimErrors.noTarget(`${this.where}: the value filter matches no value, and only 'eq' filters joined by 'and' can create one`);
        const created = this.sub ? { ...seed, [this.sub.name]: this.subValue(raw, true) } : { ...seed, ...this.element(raw) };
        this.elements().push(created);
        this.touched.push(created);
        return;
      }
      for (const element of matches) this.updateElement(element, raw);
      return;
    }
    if (this.sub) {
      this.setSubEverywhere(raw, true);
      return;
    }
    if (this.definition.multiValued) {
      const candidates = this.values(raw);
      const elements = this.elements() as unknown[];
      // An index kept from an earlier append is only for a clean array; otherwise the values are cleaned first.
      let index = this.indexes.get(elements);
      if (!index) {
        const clean = elements.filter(isAssigned);
        this.value = clean;
        index = new ContainmentIndex(clean);
      }
      const list = this.value as unknown[];
      for (const candidate of candidates) {
        // An unassigned value would be dropped from the result anyway (RFC 7643 §2.5).
        if (!isAssigned(candidate) || index.contains(candidate)) continue;
        list.push(candidate);
        index.insert(candidate);
        if (isObject(candidate)) this.touched.push(candidate);
      }
      this.appendedThrough = index;
      return;
    }
    this.setSingular(raw, true);
  }

  replace(raw: unknown): void {
    if (this.filter) {
      const matches = this.matching();
      // RFC 7644 §3.5.2.3: a value filter that matches nothing SHALL be 400 noTarget.
      if (matches.length === 0) throw scimErrors.noTarget(`${this.where}: the value filter matches no value of '${this.definition.name}'`);
      if (this.sub) {
        for (const element of matches) this.updateElement(element, raw);
        return;
      }
      const elements = this.elements();
      const replacement = raw === null ? undefined : this.element(raw);
      const matched = new Set(matches);
      this.value = elements.flatMap((element) => {
        if (!matched.has(element)) return [element];
        if (!replacement) return [];
        const copy = { ...replacement };
        this.touched.push(copy);
        return [copy];
      });
      return;
    }
    if (this.sub) {
      this.setSubEverywhere(raw, false);
      return;
    }
    if (this.definition.multiValued) {
      const values = raw === null ? [] : this.values(raw);
      this.value = values;
      this.touched.push(...values.filter(isObject));
      return;
    }
    this.setSingular(raw, false);
  }

  remove(raw: unknown): void {
    if (this.filter) {
      const matches = this.matching();
      const sub = this.sub;
      if (sub) {
        for (const element of matches) delete element[sub.name];
        this.value = this.elements().filter((element) => Object.keys(element).length > 0);
      } else {
        const matched = new Set(matches);
        this.value = this.elements().filter((element) => !matched.has(element));
      }
      return;
    }
    const sub = this.sub;
    if (sub) {
      if (this.definition.multiValued) {
        for (const element of this.elements()) delete element[sub.name];
        this.value = this.elements().filter((element) => Object.keys(element).length > 0);
      } else if (isObject(this.value)) {
        delete this.value[sub.name];
      }
      return;
    }
    if (raw === undefined || raw === null) {
      this.value = undefined;
      return;
    }
    // A value names what to remove (Entra ID: remove members [{value}]): exactly those values, never the rest.
    if (this.definition.multiValued) {
      const named = removalMatcher(this.definition, this.values(raw));
      this.value = this.elements().filter((element) => !named(element));
      return;
    }
    // A singular value named in a list (Entra ID sends manager as [{value}]) is removed when any entry names it.
    const unwanted = (Array.isArray(raw) ? raw : [raw]).map((entry) => canonicaliseValue(this.definition, entry));
    if (this.value !== undefined && unwanted.some((entry) => entry !== undefined && this.sameValue(this.value, entry))) this.value = undefined;
  }

  private elements(): Element[] {
    if (this.value === undefined || this.value === null) this.value = [];
    if (!Array.isArray(this.value)) this.value = [this.value];
    return this.value as Element[];
  }

  private matching(): Element[] {
    const filter = this.filter as FilterAst;
    return this.elements().filter((element) => matchesValueFilter(filter, element));
  }

  /** Canonical values for a multi-valued attribute (a single value is taken as a list of one). */
  private values(raw: unknown): unknown[] {
    const canonical = canonicaliseValue(this.definition, raw);
    if (canonical === undefined) throw scimErrors.invalidValue(`${this.where}: the value holds nothing to ${raw === null ? 'set' : 'use'}`);
    return canonical as unknown[];
  }

  /** One canonical complex value, e.g. for `emails[type eq "work"]`. */
  private element(raw: unknown): Element {
    const canonical = canonicaliseValue(this.definition, Array.isArray(raw) && raw.length === 1 ? raw[0] : raw);
    const list = Array.isArray(canonical) ? canonical : [canonical];
    if (list.length !== 1 || !isObject(list[0])) {
      throw scimErrors.invalidValue(`${this.where}: the value must be one complex value (a JSON object of sub-attributes of '${this.definition.name}')`);
    }
    return list[0];
  }

  private subValue(raw: unknown, required: boolean): unknown {
    const sub = this.sub as AttributeDefinition;
    const canonical = canonicaliseValue(sub, raw);
    if (canonical === undefined && required) throw scimErrors.invalidValue(`${this.where}: a value for '${this.definition.name}.${sub.name}' is required`);
    return canonical;
  }

  private updateElement(element: Element, raw: unknown): void {
    const sub = this.sub;
    if (sub) {
      const next = this.subValue(raw, false);
      if (sub.mutability === 'immutable' && isAssigned(element[sub.name]) && stableJson(element[sub.name]) !== stableJson(next)) {
        throw scimErrors.mutability(`${this.where}: '${this.definition.name}.${sub.name}' is immutable and already has a value (RFC 7643 §2.2)`);
      }
      if (next === undefined) delete element[sub.name];
      else element[sub.name] = next;
    } else {
      Object.assign(element, this.element(raw));
    }
    this.touched.push(element);
  }

  /** `name.givenName` or `emails.value` without a filter: every value of the attribute, or a new one. */
  private setSubEverywhere(raw: unknown, isAdd: boolean): void {
    const sub = this.sub as AttributeDefinition;
    const next = this.subValue(raw, isAdd);
    if (this.definition.multiValued) {
      const elements = this.elements();
      if (elements.length === 0 && next !== undefined) {
        const created = { [sub.name]: next };
        elements.push(created);
        this.touched.push(created);
        return;
      }
      for (const element of elements) this.updateElement(element, raw);
      return;
    }
    if (this.value !== undefined && !isObject(this.value)) this.value = {};
    const object = (this.value ?? {}) as Element;
    if (next === undefined) delete object[sub.name];
    else object[sub.name] = next;
    this.value = object;
  }

  private setSingular(raw: unknown, isAdd: boolean): void {
    // A singular value sent as a list of one (Entra ID: manager as [{"value": "id"}]) is that value.
    const single = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
    const canonical = canonicaliseValue(this.definition, single);
    if (canonical === undefined) {
      if (isAdd) throw scimErrors.invalidValue(`${this.where}: the value holds nothing to add`);
      this.value = undefined;
      return;
    }
    // RFC 7644 §3.5.2.1 / §3.5.2.3: a complex value merges into the existing one, sub-attribute by sub-attribute.
    if (this.definition.type === 'complex' && isObject(canonical) && isObject(this.value)) {
      this.value = { ...this.value, ...canonical };
      return;
    }
    this.value = canonical;
  }

  /** Whether a stored value is the one a removal names: by `value` for complex values that have one. */
  private sameValue(stored: unknown, wanted: unknown): boolean {
    const valueDefinition = this.definition.type === 'complex' ? findAttribute(this.definition.subAttributes, 'value') : undefined;
    if (valueDefinition && isObject(stored) && isObject(wanted) && wanted[valueDefinition.name] !== undefined) {
      return sameScalar(valueDefinition, stored[valueDefinition.name], wanted[valueDefinition.name]);
    }
    if (this.definition.type !== 'complex') return sameScalar(this.definition, stored, wanted);
    return stableJson(stored) === stableJson(wanted);
  }

  // RFC 7643 §2.4: "primary" true appears at most once; the value just written wins. Returns whether it took
  // `primary` from another value.
  private applyPrimaryRule(elements: readonly unknown[]): boolean {
    if (this.definition.type !== 'complex') return false;
    const primary = findAttribute(this.definition.subAttributes, 'primary');
    if (!primary) return false;
    const candidates = this.touched.filter((element) => element[primary.name] === true);
    if (candidates.length === 0) return false;
    const present = new Set(elements);
    const written = candidates.filter((element) => present.has(element));
    if (written.length > 1) throw scimErrors.invalidValue(`${this.where}: only one value of '${this.definition.name}' may be primary (RFC 7643 §2.4)`);
    if (written.length === 0) return false;
    let moved = false;
    for (const element of elements) {
      if (isObject(element) && element !== written[0] && element[primary.name] === true) {
        delete element[primary.name];
        moved = true;
      }
    }
    return moved;
  }
}

/** `type eq "work"` or `type eq "work" and display eq "x"`: the sub-attributes a created value starts with. */
function seedFromFilter(filter: FilterAst): Element | undefined {
  if (filter.kind === 'compare' && filter.op === 'eq' && filter.path.subAttribute) return { [filter.path.subAttribute.name]: filter.value };
  if (filter.kind === 'and') {
    const parts = filter.filters.map(seedFromFilter);
    if (parts.some((part) => part === undefined)) return undefined;
    return Object.assign({}, ...parts) as Element;
  }
  return undefined;
}

// RFC 7643 §2.2 immutable: may be assigned once; afterwards neither changed nor removed.
function assertImmutable(where: string, definition: AttributeDefinition, before: unknown, after: unknown): void {
  if (definition.mutability === 'immutable' && isAssigned(before) && stableJson(before) !== stableJson(after)) {
    throw scimErrors.mutability(`${where}: '${definition.name}' is immutable and already has a value (RFC 7643 §2.2)`);
  }
  if (definition.type !== 'complex' || definition.multiValued || !isObject(before)) return;
  const afterObject = isObject(after) ? after : {};
  for (const sub of definition.subAttributes ?? []) {
    if (sub.mutability === 'immutable' && isAssigned(before[sub.name]) && stableJson(before[sub.name]) !== stableJson(afterObject[sub.name])) {
      throw scimErrors.mutability(`${where}: '${definition.name}.${sub.name}' is immutable and already has a value (RFC 7643 §2.2)`);
    }
  }
}

function sameScalar(definition: AttributeDefinition, a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string' && !definition.caseExact) return foldCase(a) === foldCase(b);
  return stableJson(a) === stableJson(b);
}

function isAssigned(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** Whether the immutability check needs the value as it was before the operation. */
function hasImmutablePart(definition: AttributeDefinition): boolean {
  return definition.mutability === 'immutable' || (definition.subAttributes ?? []).some((sub) => sub.mutability === 'immutable');
}

// Constant-time answers to the two questions PATCH asks about the values of a multi-valued attribute, so that an
// operation costs the number of values it names plus the number stored, never their product (a PATCH adding 4,000
// e-mails one comparison at a time made 8 million comparisons and held the event loop for seconds).
//   - add (RFC 7644 §3.5.2.1): "is a value that contains this candidate already there?", where a stored value
//     contains the candidate when every sub-attribute the candidate names is there with the same value;
//   - remove with a value (Entra ID: members + [{value}]): "does this stored value name one of the unwanted values?",
//     by `value` for complex values that have one, else by the whole value.
import type { AttributeDefinition } from '../schema/attribute';
import { foldCase } from '../schema/fold-case';
import { findAttribute } from '../schema/registry';

type Element = Record<string, unknown>;

/**
 * The stored values of one attribute, indexed for containment. A candidate object naming the sub-attributes K is
 * looked up by the projection of the stored objects onto K; the projection of every stored object onto a key set is
 * computed the first time a candidate names that key set, and kept up to date as values are appended.
 */
export class ContainmentIndex {
  private readonly scalars = new Set<string>();
  private readonly objects: Element[] = [];
  private readonly projections = new Map<string, { readonly keys: readonly string[]; readonly seen: Set<string> }>();

  constructor(elements: readonly unknown[]) {
    for (const element of elements) this.insert(element);
  }

  /** Whether a stored value contains `candidate` (for a non-object: equals it). */
  contains(candidate: unknown): boolean {
    if (!isObject(candidate)) return this.scalars.has(stableJson(candidate) ?? '');
    const keys = Object.keys(candidate).sort();
    const signature = JSON.stringify(keys);
    let projection = this.projections.get(signature);
    if (!projection) {
      projection = { keys, seen: new Set(this.objects.map((object) => project(object, keys))) };
      this.projections.set(signature, projection);
    }
    return projection.seen.has(project(candidate, keys));
  }

  /** Records a value appended to the attribute. */
  insert(element: unknown): void {
    if (!isObject(element)) {
      this.scalars.add(stableJson(element) ?? '');
      return;
    }
    this.objects.push(element);
    for (const { keys, seen } of this.projections.values()) seen.add(project(element, keys));
  }
}

/**
 * A test for "this stored value is one of the values a removal names" (README "PATCH": remove of a multi-valued
 * attribute with a value removes exactly the listed values, matched by their `value`).
 */
export function removalMatcher(definition: AttributeDefinition, unwanted: readonly unknown[]): (stored: unknown) => boolean {
  const valueDefinition = definition.type === 'complex' ? findAttribute(definition.subAttributes, 'value') : undefined;
  const byValue = new Set<string>();
  const whole = new Set<string>();
  for (const wanted of unwanted) {
    if (valueDefinition && isObject(wanted) && wanted[valueDefinition.name] !== undefined) byValue.add(scalarKey(valueDefinition, wanted[valueDefinition.name]));
    else if (definition.type === 'complex') whole.add(stableJson(wanted) ?? '');
    else whole.add(scalarKey(definition, wanted));
  }
  return (stored) => {
    if (valueDefinition && isObject(stored) && stored[valueDefinition.name] !== undefined && byValue.has(scalarKey(valueDefinition, stored[valueDefinition.name]))) {
      return true;
    }
    return whole.has(definition.type === 'complex' ? (stableJson(stored) ?? '') : scalarKey(definition, stored));
  };
}

/** Equal keys exactly when two scalars are the same value of the attribute (folded for caseExact=false strings). */
function scalarKey(definition: AttributeDefinition, value: unknown): string {
  if (typeof value === 'string' && !definition.caseExact) return `f${foldCase(value)}`;
  return `j${stableJson(value) ?? ''}`;
}

/** The values of `keys` in `object`, as one string; a missing key differs from every present value. */
function project(object: Element, keys: readonly string[]): string {
  return JSON.stringify(keys.map((key) => (key in object && object[key] !== undefined ? stableJson(object[key]) : null)));
}

export function isObject(value: unknown): value is Element {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether two JSON values are the same value, ignoring the order of object keys (what comparing their stableJson
 * says, without building the text: this runs over whole resources).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i += 1) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  const left = a as Element;
  const right = b as Element;
  let count = 0;
  for (const key in left) {
    if (!Object.hasOwn(left, key) || left[key] === undefined) continue;
    count += 1;
    if (!Object.hasOwn(right, key) || !sameJson(left[key], right[key])) return false;
  }
  for (const key in right) if (Object.hasOwn(right, key) && right[key] !== undefined) count -= 1;
  return count === 0;
}

/**
 * JSON with object keys sorted, so that key order never counts as a change. Written out by hand: a replacer that
 * rebuilds every object sorted costs several times more, and this runs over whole resources.
 */
export function stableJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return stableJson((value as { toJSON: () => unknown }).toJSON());
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i += 1) {
      const item = value[i] as unknown;
      const json = item === undefined || typeof item === 'function' || typeof item === 'symbol' ? 'null' : stableJson(item);
      text += i === 0 ? json : `,${json}`;
    }
    return `${text}]`;
  }
  const object = value as Element;
  let text = '{';
  let first = true;
  for (const key of Object.keys(object).sort()) {
    const item = object[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    text += `${first ? '' : ','}${JSON.stringify(key)}:${stableJson(item)}`;
    first = false;
  }
  return `${text}}`;
}

// The names of the attributes a write changed, for its SUCCESS event: an auditor learns WHAT changed without the
// event holding any value (values of personal data and secrets stay in the resource, where access to them is checked).
//
//   - core attributes by name (`title`, `emails`, `name`: a complex attribute is named as a whole);
//   - extension attributes qualified by their schema URN (`urn:…:enterprise:2.0:User:department`);
//   - writeOnly attributes the request set or removed (`password`): they are never stored as attributes, so only the
//     request tells that they changed; the name says "the password was changed", the value is never read.
// A create names every attribute it stored.
import { stableJson } from '../../scim/patch/apply-patch';
import type { ScimAttributes } from '../../scim/schema/attribute';

const isExtensionKey = (key: string) => key.toLowerCase().startsWith('urn:');
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function changedAttributeNames(before: ScimAttributes | undefined, after: ScimAttributes, writeOnly: Readonly<Record<string, unknown>> = {}): string[] {
  const names = new Set<string>();
  if (before === undefined) addCreatedNames(names, after);
  else addChangedNames(names, before, after);
  for (const key of Object.keys(writeOnly)) names.add(key);
  return [...names].sort();
}

/**
 * A create's names: every attribute with a value, which is what a comparison with nothing finds (a value parsed from
 * JSON differs from an absent one exactly when it is defined), without writing each value out as JSON to compare it.
 */
function addCreatedNames(names: Set<string>, after: ScimAttributes): void {
  for (const key of Object.keys(after)) {
    const value = after[key];
    if (value === undefined) continue;
    if (!isExtensionKey(key)) names.add(key);
    else if (isObject(value)) for (const name of Object.keys(value)) if (value[name] !== undefined) names.add(`${key}:${name}`);
  }
}

function addChangedNames(names: Set<string>, previous: ScimAttributes, after: ScimAttributes): void {
  for (const key of new Set([...Object.keys(previous), ...Object.keys(after)])) {
    if (stableJson(previous[key]) === stableJson(after[key])) continue;
    if (isExtensionKey(key)) {
      const old = isObject(previous[key]) ? previous[key] : {};
      const now = isObject(after[key]) ? after[key] : {};
      for (const name of new Set([...Object.keys(old), ...Object.keys(now)])) {
        if (stableJson(old[name]) !== stableJson(now[name])) names.add(`${key}:${name}`);
      }
    } else {
      names.add(key);
    }
  }
}

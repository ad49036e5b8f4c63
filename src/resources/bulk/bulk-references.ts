// bulkId references (RFC 7644 §3.7.2): a value that is exactly `bulkId:<id>` anywhere in an operation's data (group
// members.value, manager.value, a PATCH value), in its path (`/Users/bulkId:qwerty`), or quoted inside a PATCH
// operation's path filter (`members[value eq "bulkId:qwerty"]`), stands for the id of the resource that the POST
// with that bulkId creates. References are found before anything runs, and replaced just before their operation is
// handed to the resource service, so that the service only ever sees real ids.
import { BULK_ID_PREFIX } from './bulk-operation';
import { isMessage, messageField, messageKey } from './message-field';

/** `"bulkId:<id>"` inside a PATCH path filter; the id runs to the closing quote. */
const QUOTED_REFERENCE = /"bulkId:([^"]+)"/g;

/** The bulkId a whole value refers to, or undefined. */
export function referenceIn(value: string): string | undefined {
  return value.startsWith(BULK_ID_PREFIX) && value.length > BULK_ID_PREFIX.length ? value.slice(BULK_ID_PREFIX.length) : undefined;
}

/** Every bulkId the data refers to, each once, in order of first appearance. */
export function findReferences(data: unknown, options: { patchPaths: boolean }): string[] {
  const found = new Set<string>();
  // An explicit stack, so that deeply nested input cannot exhaust the call stack.
  const pending: unknown[] = [data];
  const patchPaths: string[] = [];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      const reference = referenceIn(value);
      if (reference !== undefined) found.add(reference);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push(value[i]);
    } else if (isMessage(value)) {
      for (const child of Object.values(value).reverse()) pending.push(child);
    }
  }
  if (options.patchPaths) {
    for (const operation of patchOperationsOf(data)) {
      const path = messageField(operation, 'path');
      if (typeof path === 'string') patchPaths.push(path);
    }
  }
  for (const path of patchPaths) for (const match of path.matchAll(QUOTED_REFERENCE)) found.add(match[1]);
  return [...found];
}

/**
 * A copy of `data` with every reference replaced by `resolve(bulkId)`. The caller has checked that every reference
 * resolves; a reference that does not is left as it is.
 */
export function substituteReferences<T>(data: T, resolve: (bulkId: string) => string | undefined, options: { patchPaths: boolean }): T {
  const substituted = mapStrings(data, (value) => {
    const reference = referenceIn(value);
    return reference === undefined ? value : (resolve(reference) ?? value);
  });
  if (!options.patchPaths) return substituted;
  for (const operation of patchOperationsOf(substituted)) {
    const key = messageKey(operation, 'path');
    const path = key === undefined ? undefined : operation[key];
    if (key !== undefined && typeof path === 'string') {
      operation[key] = path.replace(QUOTED_REFERENCE, (whole, reference: string) => {
        const id = resolve(reference);
        return id === undefined ? whole : JSON.stringify(id);
      });
    }
  }
  return substituted;
}

const DROP = Symbol('drop');

/**
 * The data of a POST with the references to `left` taken out, for the first half of RFC 7644 §3.7.1 circular
 * reference processing: create without them, then write them in once their targets exist. A reference goes with
 * the complex value that holds it (a member, a manager); a bare reference goes with its attribute. Core attributes
 * and the attribute objects of schema extensions (keys `urn:…`) are never removed as a whole.
 */
export function withoutReferences(data: Readonly<Record<string, unknown>>, left: ReadonlySet<string>): Record<string, unknown> {
  const isLeft = (value: string) => {
    const reference = referenceIn(value);
    return reference !== undefined && left.has(reference);
  };
  const strip = (value: unknown): unknown => {
    if (typeof value === 'string') return isLeft(value) ? DROP : value;
    if (Array.isArray(value)) return value.map(strip).filter((item) => item !== DROP);
    if (isMessage(value)) {
      const copy: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) {
        const stripped = strip(child);
        if (stripped === DROP) return DROP;
        copy[key] = stripped;
      }
      return copy;
    }
    return value;
  };
  const container = (value: Readonly<Record<string, unknown>>, top: boolean): Record<string, unknown> => {
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const stripped = top && key.toLowerCase().startsWith('urn:') && isMessage(child) ? container(child, false) : strip(child);
      if (stripped !== DROP) copy[key] = stripped;
    }
    return copy;
  };
  return container(data, true);
}

function patchOperationsOf(data: unknown): Record<string, unknown>[] {
  if (!isMessage(data)) return [];
  const operations = messageField(data, 'Operations');
  return Array.isArray(operations) ? operations.filter(isMessage).map((operation) => operation as Record<string, unknown>) : [];
}

/** A deep copy with `map` applied to every string value (keys are kept). */
function mapStrings<T>(value: T, map: (value: string) => string): T {
  if (typeof value === 'string') return map(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => mapStrings(item, map)) as T;
  if (isMessage(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) copy[key] = mapStrings(child, map);
    return copy as T;
  }
  return value;
}

// Attribute names are case-insensitive (RFC 7643 §2.1), and so are the members of protocol messages: a client may
// send `UserName`, `operations` or `Schemas`. These are the one lookup of a name among a JSON object's keys: the
// exact key when present, else the first key (in key order) equal to it ignoring case.

type JsonObject = Readonly<Record<string, unknown>>;

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key under which `object` holds `name`, whatever its case; undefined when none. */
export function findKeyIgnoringCase(object: JsonObject, name: string): string | undefined {
  if (Object.hasOwn(object, name)) return name;
  const wanted = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === wanted);
}

/** The value `container` holds under `name`, whatever its case; undefined when it is not an object or has none. */
export function getIgnoringCase(container: unknown, name: string): unknown {
  if (!isJsonObject(container)) return undefined;
  const key = findKeyIgnoringCase(container, name);
  return key === undefined ? undefined : container[key];
}

export interface KeyLookup {
  findKey(object: JsonObject, name: string): string | undefined;
  get(container: unknown, name: string): unknown;
}

/**
 * The same lookups for a caller that asks for many names in the same objects (a derivation asks for every declared
 * attribute, most of them absent): each object's keys are indexed by lower case on first use. Make one per pass over
 * objects that do not change during it, and drop it afterwards; it holds the objects until then.
 */
export function createKeyLookup(): KeyLookup {
  const keysByLowerCase = new WeakMap<object, Map<string, string>>();
  const findKey = (object: JsonObject, name: string): string | undefined => {
    if (Object.hasOwn(object, name)) return name;
    let keys = keysByLowerCase.get(object);
    if (keys === undefined) {
      keys = new Map();
      // The first spelling in key order wins, as findKeyIgnoringCase picks it.
      for (const key of Object.keys(object)) {
        const lower = key.toLowerCase();
        if (!keys.has(lower)) keys.set(lower, key);
      }
      keysByLowerCase.set(object, keys);
    }
    return keys.get(name.toLowerCase());
  };
  return {
    findKey,
    get(container, name) {
      if (!isJsonObject(container)) return undefined;
      const key = findKey(container, name);
      return key === undefined ? undefined : container[key];
    },
  };
}

// How a search-document key (or a canonical path) becomes a MongoDB field name.

/**
 * A search-document key as a MongoDB field name: letters, digits and "-" stay, every other UTF-16 unit becomes
 * `_` and four hex digits. Injective (an `_` in the key is escaped too), never empty of meaning, never starting with
 * `$`, never containing `.`, so a path such as `s.<field>.value` always means what it says.
 */
export function fieldName(key: string): string {
  let name = '';
  for (let i = 0; i < key.length; i++) {
    const char = key[i];
    name += /[A-Za-z0-9-]/.test(char) ? char : `_${key.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return name;
}

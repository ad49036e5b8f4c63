// A filter as it may be written to a log: the text the client sent, with the value of every comparison on a secret
// attribute (returned "never" or mutability "writeOnly", RFC 7643 §7: password) replaced by "[redacted]". Filtering
// on such attributes is refused anyway (parse-filter.ts), but the refused request is still logged, and its value is
// very likely a real password. A filter that cannot be read and names a secret attribute anywhere is redacted whole.
import type { SchemaRegistry } from '../schema/registry';
import type { AttributeDefinition } from '../schema/attribute';
import { tokenizeFilter } from './filter-lexer';

export const REDACTED = '[redacted]';
/** Nesting is not a concern here (the text was bounded by the request); the lexer still needs a bound. */
const LOG_MAX_DEPTH = 1000;

/** Lower-case names of the attributes whose values must never be logged, across every schema of the registry. */
export function secretAttributeNames(registry: SchemaRegistry): ReadonlySet<string> {
  const names = new Set<string>();
  const visit = (attributes: readonly AttributeDefinition[] | undefined) => {
    for (const attribute of attributes ?? []) {
      if (attribute.returned === 'never' || attribute.mutability === 'writeOnly') names.add(attribute.name.toLowerCase());
      visit(attribute.subAttributes);
    }
  };
  for (const schema of registry.schemas) visit(schema.attributes);
  return names;
}

/** The last name of an attribute path: `urn:…:User:password` and `name.givenName` end in `password`, `givenName`. */
function lastName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf(':'), path.lastIndexOf('.')) + 1).toLowerCase();
}

export function redactFilter(text: string, secretNames: ReadonlySet<string>): string {
  let tokens;
  try {
    tokens = tokenizeFilter(text, LOG_MAX_DEPTH);
  } catch {
    const lower = text.toLowerCase();
    return [...secretNames].some((name) => lower.includes(name)) ? `${REDACTED} (a filter that names a secret attribute and could not be read)` : text;
  }
  let out = '';
  let copied = 0;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (token.kind !== 'value') continue;
    const attribute = tokens[index - 2];
    if (attribute?.kind !== 'attribute' || !secretNames.has(lastName(attribute.text))) continue;
    out += text.slice(copied, token.position) + REDACTED;
    copied = token.end;
  }
  return out + text.slice(copied);
}

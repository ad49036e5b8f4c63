// The `attributes` and `excludedAttributes` parameters (RFC 7644 §3.4.2.5, §3.9), parsed once per request into
// resolved paths. Unknown names are ignored rather than rejected: the RFC gives no error for them and clients
// routinely ask for attributes a server does not support.
import type { ResourceTypeDefinition } from './attribute';
import type { SchemaRegistry } from './registry';
import { resolveAttributePath, resolveSchemaUrn } from '../paths/attribute-path';
import type { ResolvedPath } from '../paths/resolved-path';

export interface SelectionEntry {
  readonly path: ResolvedPath;
  /** Text inside `[...]` when a client wrote `emails[type eq "work"]` (a tolerance: Microsoft's tests send it). */
  readonly valueFilter?: string;
}

export interface AttributeSelection {
  readonly mode: 'default' | 'include' | 'exclude';
  readonly entries: readonly SelectionEntry[];
  /** Whole schemas named by URN (all of their attributes that may be returned). */
  readonly schemas: readonly string[];
}

export const DEFAULT_SELECTION: AttributeSelection = { mode: 'default', entries: [], schemas: [] };

/** RFC 7644 §3.4.2.5: the two parameters are mutually exclusive in practice; `attributes` wins when both are sent. */
export function parseAttributeSelection(
  registry: SchemaRegistry,
  resourceType: ResourceTypeDefinition,
  params: { attributes?: string | readonly string[]; excludedAttributes?: string | readonly string[] },
): AttributeSelection {
  const include = splitList(params.attributes);
  const exclude = splitList(params.excludedAttributes);
  const mode = include.length > 0 ? 'include' : exclude.length > 0 ? 'exclude' : 'default';
  if (mode === 'default') return DEFAULT_SELECTION;
  const entries: SelectionEntry[] = [];
  const schemas: string[] = [];
  for (const item of mode === 'include' ? include : exclude) {
    const bracket = /^([^[]+)\[(.*)\](?:\.(.+))?$/s.exec(item);
    const text = bracket ? (bracket[3] ? `${bracket[1]}.${bracket[3]}` : bracket[1]) : item;
    const schema = resolveSchemaUrn(registry, resourceType, text);
    if (schema) {
      schemas.push(schema.schema.id);
      continue;
    }
    const path = resolveAttributePath(registry, resourceType, text);
    if (path) entries.push(bracket ? { path, valueFilter: bracket[2] } : { path });
  }
  return { mode, entries, schemas };
}

function splitList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const parts = typeof value === 'string' ? [value] : [...value];
  return parts
    .flatMap((part) => splitOutsideBrackets(part))
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

// Commas inside a value filter (`emails[type eq "a,b"]`) do not separate attributes.
function splitOutsideBrackets(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inQuotes = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"' && text[i - 1] !== '\\') inQuotes = !inQuotes;
    else if (!inQuotes && char === '[') depth++;
    else if (!inQuotes && char === ']') depth = Math.max(0, depth - 1);
    else if (!inQuotes && depth === 0 && char === ',') {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

// SQLite JSON paths into the search document (src/store/model/search-document.ts), built from registry names.
import type { AttributeSlot } from '../model/resource-model';

/** Quotes a registry-defined name as one JSON path label. */
export function jsonLabel(name: string): string {
  // Attribute names (RFC 7643 §2.1 ATTRNAME) and schema URNs never contain a double quote or backslash; refuse a
  // registry that has one rather than build a path that means something else.
  if (/["\\]/.test(name)) throw new Error(`Attribute name ${name} cannot be stored: it contains a quote or backslash`);
  return `"${name}"`;
}

/** The JSON path of a slot's key in the search document, e.g. `$."emails"`. */
export function slotJsonPath(slot: AttributeSlot): string {
  return `$.${jsonLabel(slot.key)}`;
}

/** The column of row `row` that holds a slot's search document: `search`, or `unversioned_search` (migration 11). */
export function searchColumn(row: string, slot: AttributeSlot): string {
  return `${row}.${slot.part === 'unversioned' ? 'unversioned_search' : 'search'}`;
}

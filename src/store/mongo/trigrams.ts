// Substring filters (`co`, `ew`) on MongoDB through an index: the three-character pieces of an indexed attribute's values
// are kept in the document (`g.<path>`, written with every write, like the embedded store's FTS5 trigram index), under a
// multikey index. A literal of three characters or more is in a value only if every piece of the literal is a piece of
// that value, so the filter first selects the documents holding all of them (`$all`: the index serves the first piece,
// the document the others), then the exact expression on the search document confirms each: the index narrows, the
// expression decides, and nothing the exact filter refuses is returned. A shorter literal, an attribute without an
// index of its own, and a condition inside a value filter (`emails[value co "x"]`) scan as before. Pieces are of
// code points, of the values as the search document holds them (caseExact=false strings folded), so the literal,
// normalised the same way, gives the same pieces.
import type { IndexedPath, ResourceModel } from '../model/resource-model';
import type { IndexedValue } from '../model/search-document';
import { fieldName } from './field-name';

/** The sub-document of the pieces. */
export const TRIGRAMS = 'g';

/** Shortest literal whose pieces narrow a search (below it there is no piece at all). */
export const TRIGRAM_LENGTH = 3;

/** Group members live in their own collection: their ids are never searched by substring here. */
const UNSEARCHED = new Set(['members.value']);

/** Whether an indexed path keeps the pieces of its values: string values of the document part. */
export function hasTrigrams(indexed: IndexedPath): boolean {
  const leaf = indexed.subAttribute ?? indexed.slot.definition;
  return indexed.slot.part === 'document' && (leaf.type === 'string' || leaf.type === 'reference') && !UNSEARCHED.has(indexed.path);
}

/** `g.<field>` of an indexed path. */
export function trigramField(indexed: IndexedPath): string {
  return `${TRIGRAMS}.${fieldName(indexed.path)}`;
}

/** The distinct pieces of three code points of a text, in the order they first occur. */
export function trigramsOf(text: string): string[] {
  const points = Array.from(text);
  const pieces = new Set<string>();
  for (let at = 0; at + TRIGRAM_LENGTH <= points.length; at++) pieces.add(points.slice(at, at + TRIGRAM_LENGTH).join(''));
  return [...pieces];
}

/** `g`: per indexed path with pieces, the distinct pieces of all its values. */
export function deriveTrigrams(model: ResourceModel, values: readonly IndexedValue[]): Record<string, string[]> {
  const withPieces = new Set(model.indexedPaths.filter(hasTrigrams).map((indexed) => indexed.path));
  const byPath = new Map<string, Set<string>>();
  for (const { path, value } of values) {
    if (!withPieces.has(path)) continue;
    const pieces = byPath.get(path) ?? new Set<string>();
    for (const piece of trigramsOf(value)) pieces.add(piece);
    byPath.set(path, pieces);
  }
  const g: Record<string, string[]> = {};
  for (const [path, pieces] of byPath) if (pieces.size > 0) g[fieldName(path)] = [...pieces];
  return g;
}

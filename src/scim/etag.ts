// Resource versions as entity tags (RFC 7644 §3.14, RFC 7232). Versions are weak: two representations of one
// version may differ in attribute selection, which weak comparison allows (RFC 7232 §2.3.2).

export function versionToETag(version: number): string {
  return `W/"${version}"`;
}

/** Parses a version ETag we issued (`W/"3"` or `"3"`), or undefined for anything else. */
export function eTagToVersion(tag: string): number | undefined {
  const match = /^(?:W\/)?"(\d{1,15})"$/.exec(tag.trim());
  return match ? Number(match[1]) : undefined;
}

/** Splits an If-Match / If-None-Match header into its entity tags; `*` stays as it is. */
export function parseETagList(header: string): string[] {
  const tags: string[] = [];
  const pattern = /\s*(\*|(?:W\/)?"[^"]*")\s*(?:,|$)/gy;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(header)) !== null && match[0] !== '') tags.push(match[1]);
  return tags;
}

/** RFC 7232 §3.1 / §3.2 weak comparison of a header's tags against the current version. */
export function eTagListMatches(header: string, version: number): boolean {
  return parseETagList(header).some((tag) => tag === '*' || eTagToVersion(tag) === version);
}

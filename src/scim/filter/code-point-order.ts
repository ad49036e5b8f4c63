// String ordering for gt/ge/lt/le (RFC 7644 §3.4.2.2: "lexicographical" for strings). We order by Unicode code
// point, which is the byte order of UTF-8: what SQLite's BINARY collation and MongoDB's simple collation do. The
// JavaScript `<` operator compares UTF-16 code units instead, which disagrees for characters above U+FFFF versus
// U+E000-U+FFFF, so the in-memory evaluator uses this function to agree with the stores.

/** Negative when a sorts before b, positive when after, 0 when equal. */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const left = a.codePointAt(i) as number;
    const right = b.codePointAt(j) as number;
    if (left !== right) return left < right ? -1 : 1;
    i += left > 0xffff ? 2 : 1;
    j += right > 0xffff ? 2 : 1;
  }
  const leftRemains = i < a.length;
  const rightRemains = j < b.length;
  if (leftRemains === rightRemains) return 0;
  return leftRemains ? 1 : -1;
}

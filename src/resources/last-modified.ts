// meta.lastModified of a write (RFC 7643 §3.1): the clock's time, but never earlier than 1 ms after the resource's
// previous value. Identity providers sync incrementally with `filter=meta.lastModified gt "<last seen>"`; when the
// instances behind a load balancer disagree about the time (or NTP steps a clock back), a later change stamped with an
// earlier time than the one a client has seen would never be synced. Every write is a compare-and-set on the version
// read together with `previous`, so the rule holds per resource on every store.

export function nextLastModified(previous: string, now: Date): string {
  const afterPrevious = Date.parse(previous) + 1;
  if (Number.isNaN(afterPrevious)) return now.toISOString();
  return new Date(Math.max(afterPrevious, now.getTime())).toISOString();
}

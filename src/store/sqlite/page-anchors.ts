// Where rows stand in a tenant's id order, remembered from the index pages served, so that a deep startIndex page
// (RFC 7644 §3.4.2.4) starts from a nearby known row, one seek in the primary key, instead of stepping over every row
// before it: an identity provider importing a large tenant page by page by startIndex pays for each page about what the
// first one costs.
//
// A position is only as good as the rows before it. Each one carries the value of the tenant's change counter
// (resource_counts.changes, migration 19: bumped by every insert and delete of the tenant's resources of that type, in
// the write's transaction) read in the same snapshot as the page it came from. The list that uses a position reads the
// counter again in the snapshot of its own page and throws the page away when the counter has moved (then forgets the
// tenant's positions and reads the page the long way), so a stale position costs one more read, never a wrong page.
// Updates do not move rows in id order and leave positions valid. Positions live in this process only.

/** The row at 0-based `offset` in id order has id `id`, as long as the change counter is `stamp`. */
export interface PagePosition {
  readonly offset: number;
  readonly id: string;
  readonly stamp: number;
}

export interface PageAnchors {
  /** The remembered position nearest to `offset` at or before it (never offset 0: there is nothing to skip). */
  nearest(key: string, offset: number): PagePosition | undefined;
  /** Remembers positions read while the counter was `stamp`; the key's positions under another stamp are dropped. */
  remember(key: string, stamp: number, positions: readonly { readonly offset: number; readonly id: string }[]): void;
  forget(key: string): void;
}

/** Tenant and resource type pairs remembered (least recently used out), and positions per pair (oldest out). */
export const PAGE_ANCHOR_LIMITS = { keys: 256, positions: 1024 } as const;

export function createPageAnchors(limits: { readonly keys: number; readonly positions: number } = PAGE_ANCHOR_LIMITS): PageAnchors {
  const byKey = new Map<string, { stamp: number; positions: Map<number, string> }>();
  return {
    nearest(key, offset) {
      const entry = byKey.get(key);
      if (!entry) return undefined;
      let best = 0;
      for (const at of entry.positions.keys()) if (at <= offset && at > best) best = at;
      const id = entry.positions.get(best);
      return best > 0 && id !== undefined ? { offset: best, id, stamp: entry.stamp } : undefined;
    },
    remember(key, stamp, positions) {
      const current = byKey.get(key);
      const entry = current && current.stamp === stamp ? current : { stamp, positions: new Map<number, string>() };
      byKey.delete(key);
      byKey.set(key, entry);
      if (byKey.size > limits.keys) byKey.delete(byKey.keys().next().value as string);
      for (const { offset, id } of positions) {
        if (offset <= 0) continue;
        entry.positions.delete(offset);
        entry.positions.set(offset, id);
      }
      while (entry.positions.size > limits.positions) entry.positions.delete(entry.positions.keys().next().value as number);
    },
    forget(key) {
      byKey.delete(key);
    },
  };
}

// Verified tokens, remembered for a short time so that a busy token costs neither the store lookups nor the
// allocation of a new context on every request (about a quarter of a GET before it existed).
//
// Safety rules, each with its reason:
// - Only successes are kept. An unknown, revoked or expired token is looked up again every time, so nothing a cache
//   holds can keep a token working that the store refuses, and a stream of wrong tokens cannot fill it.
// - An entry serves for at most `ttlMs` from when its lookup STARTED, measured on the verifier's clock; an entry the
//   clock has gone back past is dropped too (a wall clock stepped backwards must not stretch the bound). This is
//   the longest a revocation made by another process (the admin CLI, another instance) goes unseen here.
// - Revocations made through this process's store are seen at once: the store's onAccessChange empties the cache,
//   and a lookup that was in flight when it happened is not kept (the generation it started under has passed).
// - Expiry is not cached: the caller checks the record's `expires` on every hit, against its clock.
// - Keys are SHA-256 hashes of the tokens, never the tokens, so the process holds no more secrets than before.
/** How many verified tokens one process remembers at most: more than any real number of clients per instance. */
export const TOKEN_CACHE_MAX_ENTRIES = 10_000;

/** Verifications (`V`: what the verifier needs back) by the SHA-256 of their token. */
export interface TokenCache<V> {
  /** A remembered verification of the token with this hash, if still within the time limit at `nowMs`. */
  get(secretHash: string, nowMs: number): V | undefined;
  /** The generation to hand back to set() once a lookup started now has finished. */
  generation(): number;
  /** Remembers a verification whose lookup started at `startedMs` in `generation`, unless access changed since. */
  set(secretHash: string, verified: V, startedMs: number, generation: number): void;
  /** Forgets everything: a token or tenant changed (revocation, expiry, profile, deletion). */
  clear(): void;
}

interface Entry<V> {
  readonly verified: V;
  readonly startedMs: number;
}

export function createTokenCache<V>(options: { readonly ttlMs: number; readonly maxEntries?: number }): TokenCache<V> {
  const { ttlMs } = options;
  const maxEntries = options.maxEntries ?? TOKEN_CACHE_MAX_ENTRIES;
  const entries = new Map<string, Entry<V>>();
  let generation = 0;
  const fresh = (entry: Entry<V>, nowMs: number) => nowMs >= entry.startedMs && nowMs - entry.startedMs < ttlMs;

  return {
    get(secretHash, nowMs) {
      const entry = entries.get(secretHash);
      if (!entry) return undefined;
      if (fresh(entry, nowMs)) return entry.verified;
      entries.delete(secretHash);
      return undefined;
    },
    generation: () => generation,
    set(secretHash, verified, startedMs, startedIn) {
      if (ttlMs <= 0 || startedIn !== generation) return;
      if (entries.size >= maxEntries && !entries.has(secretHash)) {
        for (const [key, entry] of entries) if (!fresh(entry, startedMs)) entries.delete(key);
        // Still full of live entries: the oldest inserted goes (a Map iterates in insertion order).
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      }
      entries.set(secretHash, { verified, startedMs });
    },
    clear() {
      generation += 1;
      entries.clear();
    },
  };
}

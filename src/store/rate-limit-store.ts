// The rate-limit counters port: fixed-window counters that every server instance on one store adds to, so that a
// limit holds for the deployment, not per process (src/limits/rate-limiter.ts decides with them; README "Rate
// limits"). A counter is one row or document per (key, window); adding is one atomic upsert per counter, never a
// transaction over several. Counters are not tenant data and carry no personal data: a key names a limit and an id
// (`token:<token id>`, `tenant:<tenant id>`, `auth-failures:<client address>`). Expired counters are deleted by
// housekeeping; none is read after its window, so an undeleted one changes nothing.

export interface CounterHit {
  /** The limit and what it counts, e.g. `token:<token id>`. */
  readonly key: string;
  /** Start of the fixed window, in ms since the epoch: a counter is per key and window. */
  readonly window: number;
  /** How much to add (1 or more). */
  readonly points: number;
  /** When the counter may be deleted (at or after the end of its window), ISO 8601. */
  readonly expires: string;
}

export interface RateLimitStore {
  /**
   * Adds each hit to its counter (a new counter starts at 0), each atomically, and resolves to the counters' totals
   * after the additions, in the order of `hits`. A total may include what other instances added meanwhile.
   */
  add(hits: readonly CounterHit[]): Promise<number[]>;
  /** Deletes up to `limit` counters whose expiry is at or before `now`; returns how many. */
  purgeExpired(now: string, limit: number): Promise<number>;
}

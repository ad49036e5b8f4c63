// Fixed-window rate limits whose counters live in the store, so that every instance on one store shares them (a
// limiter in each process's memory alone would multiply a limit by the number of instances), at a cost on the hot
// path that is a Map lookup and an addition.
//
// Why not a store write per request: measured on this project's machine, one counter upsert on the embedded store
// took about 1 ms with synchronous=FULL (an fsync per commit) and still 0.12 ms with synchronous=OFF, against about
// 0.5 ms of CPU for a whole get-by-id; rate-limiter-flexible's SQLite back-end (one upsert transaction per consume)
// measured the same. On MongoDB it would add a round trip to every request. So each instance counts locally and
// writes its counts to the store in batches (flush, every FLUSH_MS), and reads the totals of all instances back from
// the same atomic upserts. Where the answer matters it asks the store at once:
//   - the first hit of a key in a window, on this instance (it knows nothing yet of what the others counted);
//   - every hit once the count is within NEAR of the limit: from there on each hit is one atomic add whose total
//     decides, so a limit is exact where it refuses.
// Far from a limit, the totals another instance sees may lag by one flush interval of this instance's hits; that can
// only matter when, within one interval, the other instances together add more than (1 - NEAR) of a limit.
//
// If the store fails, the limiter keeps counting locally and allows by that count (a SCIM request would meet the same
// store failure anyway); the failure is reported through onError.
import type { RateLimitStore } from '../store/rate-limit-store';

export interface LimitCheck {
  /** What is counted: the limit's name and an id, e.g. `token:<token id>`. */
  readonly key: string;
  /** Most hits per window; 0 or less: no limit (not counted). */
  readonly limit: number;
  readonly windowMs: number;
}

export interface RateLimitVerdict {
  readonly allowed: boolean;
  /** The check that refused. */
  readonly refusedBy?: LimitCheck;
  /** Whole seconds until the refusing window ends (at least 1); 0 when allowed. */
  readonly retryAfterSeconds: number;
}

export interface RateLimiter {
  /**
   * Counts one hit on each check, in order, and allows the request when every count stays within its limit. The
   * first check over its limit refuses; the checks after it are not counted (a token refused by its own limit does
   * not use up its tenant's).
   */
  consume(checks: readonly LimitCheck[]): Promise<RateLimitVerdict>;
  /** Whether the key is over its limit by what this instance knows already (never asks the store, counts nothing). */
  isOver(check: LimitCheck): RateLimitVerdict;
  /** Writes the hits counted locally to the store now. */
  flush(): Promise<void>;
  /** Stops the flush timer after a last flush. */
  stop(): Promise<void>;
}

export interface RateLimiterDeps {
  readonly store: RateLimitStore;
  readonly clock?: () => Date;
  /** Told when the store failed (the limiter went on with its local counts). */
  readonly onError?: (error: unknown) => void;
  /** How often local hits are written to the store (default FLUSH_MS). */
  readonly flushMs?: number;
}

export const FLUSH_MS = 200;
/** The share of a limit from which every hit is decided by the store's total. */
export const NEAR = 0.8;
/** Counters kept in memory; past it, those of finished windows go first. */
const MAX_COUNTERS = 50_000;
const ALLOWED: RateLimitVerdict = Object.freeze({ allowed: true, retryAfterSeconds: 0 });

interface Counter {
  readonly key: string;
  readonly window: number;
  readonly windowMs: number;
  /** The total the store last answered (every instance's hits up to then, this one's flushed hits included). */
  shared: number;
  /** Hits counted here and not yet written to the store. */
  pending: number;
  /** Whether the store has answered for this window at least once. */
  synced: boolean;
}

export function createRateLimiter(deps: RateLimiterDeps): RateLimiter {
  const clock = deps.clock ?? (() => new Date());
  const flushMs = deps.flushMs ?? FLUSH_MS;
  const counters = new Map<string, Counter>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const counterOf = (check: LimitCheck, now: number): Counter => {
    const window = Math.floor(now / check.windowMs) * check.windowMs;
    const existing = counters.get(check.key);
    if (existing && existing.window === window && existing.windowMs === check.windowMs) return existing;
    // A new window starts from nothing here; hits of the last one that were not flushed no longer matter.
    const counter: Counter = { key: check.key, window, windowMs: check.windowMs, shared: 0, pending: 0, synced: false };
    counters.delete(check.key);
    counters.set(check.key, counter);
    if (counters.size > MAX_COUNTERS) forgetFinished(now);
    return counter;
  };

  const forgetFinished = (now: number) => {
    for (const [key, counter] of counters) if (counter.window + counter.windowMs <= now) counters.delete(key);
    // Still too many (a flood of distinct keys within one window): the oldest entries go.
    for (const key of counters.keys()) {
      if (counters.size <= MAX_COUNTERS) break;
      counters.delete(key);
    }
  };

  const hitOf = (counter: Counter, points: number) => ({
    key: counter.key,
    window: counter.window,
    points,
    // Kept one window beyond its end: an instance whose clock is behind may still add to it.
    expires: new Date(counter.window + 2 * counter.windowMs).toISOString(),
  });

  /** Adds this hit and the pending ones to the store at once; the total decides. */
  const addNow = async (counter: Counter): Promise<number> => {
    const points = counter.pending + 1;
    counter.pending = 0;
    try {
      const [total] = await deps.store.add([hitOf(counter, points)]);
      counter.shared = Math.max(counter.shared, total);
      counter.synced = true;
      return total;
    } catch (error) {
      counter.pending += points;
      deps.onError?.(error);
      return counter.shared + counter.pending;
    }
  };

  const flush = async () => {
    const batch = [...counters.values()].filter((counter) => counter.pending > 0);
    if (batch.length === 0) return;
    const sent = batch.map((counter) => counter.pending);
    batch.forEach((counter) => (counter.pending = 0));
    try {
      const totals = await deps.store.add(batch.map((counter, index) => hitOf(counter, sent[index])));
      batch.forEach((counter, index) => {
        counter.shared = Math.max(counter.shared, totals[index]);
        counter.synced = true;
      });
    } catch (error) {
      batch.forEach((counter, index) => (counter.pending += sent[index]));
      deps.onError?.(error);
    }
  };

  const scheduleFlush = () => {
    if (timer || stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, flushMs);
    timer.unref();
  };

  const refusal = (check: LimitCheck, counter: Counter, now: number): RateLimitVerdict => ({
    allowed: false,
    refusedBy: check,
    retryAfterSeconds: Math.max(1, Math.ceil((counter.window + counter.windowMs - now) / 1000)),
  });

  return {
    async consume(checks) {
      for (const check of checks) {
        if (!(check.limit > 0)) continue;
        const now = clock().getTime();
        const counter = counterOf(check, now);
        const estimate = counter.shared + counter.pending + 1;
        let total: number;
        if (!counter.synced || estimate > check.limit * NEAR) {
          total = await addNow(counter);
        } else {
          counter.pending += 1;
          total = estimate;
          scheduleFlush();
        }
        if (total > check.limit) return refusal(check, counter, clock().getTime());
      }
      return ALLOWED;
    },

    isOver(check) {
      if (!(check.limit > 0)) return ALLOWED;
      const now = clock().getTime();
      const counter = counters.get(check.key);
      const window = Math.floor(now / check.windowMs) * check.windowMs;
      if (!counter || counter.window !== window || !counter.synced) return ALLOWED;
      return counter.shared + counter.pending >= check.limit ? refusal(check, counter, now) : ALLOWED;
    },

    flush,

    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await flush();
    },
  };
}

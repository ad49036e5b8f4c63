// When to try again after a failed attempt: exponential backoff with jitter, so that many messages that failed
// together (a receiver was down) do not all come back at the same instant. The delay of attempt n (1-based) is
// base * 2^(n-1), capped, then scaled by a random factor in [0.5, 1).

export interface BackoffOptions {
  readonly baseMs?: number;
  readonly maxMs?: number;
  /** A number in [0, 1) (injected in tests). */
  readonly random?: () => number;
}

export const DEFAULT_BACKOFF_BASE_MS = 5_000;
export const DEFAULT_BACKOFF_MAX_MS = 60 * 60 * 1000;

export function retryDelayMs(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const max = options.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
  const exponential = Math.min(max, base * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(exponential * (0.5 + (options.random ?? Math.random)() / 2));
}
